import { randomUUID } from 'node:crypto';
import type { OrderStatus, OrderView, ProductView } from '@shop/contracts';
import { eventually } from '@shop/testing';
import type { Account, Reply, Shop } from '../catalog/shop.js';

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

export type { Shop };
