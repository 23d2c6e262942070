import { randomUUID } from 'node:crypto';
import type { OrderStatus, OrderView, ProductView } from '@shop/contracts';
import { eventually } from '@shop/testing';
import type { Account, Reply } from '../catalog/shop.js';

/** Small clients of the order API shared by the order tests of both modes. */
export const ADDRESS = { name: 'Ada Lovelace', line1: '12 St James’s Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };

export interface Http {
  <T = any>(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Reply<T>>;
}

export async function createProduct(http: Http, seller: Account, stock: number, price = 1250, name = 'Order test item'): Promise<ProductView> {
  const res = await http<ProductView>('POST', '/products', { token: seller.token, body: { name: `${name} ${randomUUID().slice(0, 8)}`, price: { amount: price, currency: 'EUR' }, stock, status: 'ACTIVE' } });
  if (res.status !== 201) throw new Error(`create product answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function addToCart(http: Http, customer: Account, productId: string, quantity = 1): Promise<void> {
  const res = await http('POST', '/cart/items', { token: customer.token, body: { productId, quantity } });
  if (res.status !== 201 && res.status !== 200) throw new Error(`add to cart answered ${res.status}: ${JSON.stringify(res.body)}`);
}

export function checkout(http: Http, customer: Account, key: string | null = randomUUID(), address: object = ADDRESS): Promise<Reply<OrderView & { code?: string }>> {
  return http<OrderView & { code?: string }>('POST', '/orders', { token: customer.token, body: { shippingAddress: address }, headers: key === null ? {} : { 'idempotency-key': key } });
}

/**
 * Checks out as a careful client does: on a timeout, an unavailable service
 * or IDEMPOTENCY.IN_PROGRESS it retries with the SAME key (so it can never
 * order twice), until an answer that is final or the deadline.
 */
export async function checkoutUntilAnswered(http: Http, customer: Account, key: string = randomUUID(), deadlineMs = 120_000): Promise<{ reply: Reply<OrderView & { code?: string }>; attempts: number }> {
  const until = Date.now() + deadlineMs;
  for (let attempts = 1; ; attempts++) {
    let reply: Reply<OrderView & { code?: string }>;
    try {
      reply = await checkout(http, customer, key);
    } catch (err) {
      // The connection itself failed (the gateway is fine, but be safe): same as a 503.
      reply = { status: 503, body: { code: String(err) } as OrderView & { code?: string }, headers: new Headers() };
    }
    const retry = reply.status >= 500 || (reply.status === 409 && reply.body.code === 'IDEMPOTENCY.IN_PROGRESS');
    if (!retry || Date.now() > until) return { reply, attempts };
    await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** Math.min(attempts, 5)) * (0.5 + Math.random())));
  }
}

/** Waits until the order reaches one of the statuses. */
export async function settled(http: Http, token: string, orderId: string, statuses: OrderStatus[], timeoutMs = 30_000): Promise<OrderView> {
  return eventually(
    async () => {
      const res = await http<OrderView>('GET', `/orders/${orderId}`, { token });
      return res.status === 200 && statuses.includes(res.body.status) ? res.body : undefined;
    },
    { timeoutMs, intervalMs: 50, what: `order ${orderId} to be ${statuses.join(' or ')}` },
  );
}

