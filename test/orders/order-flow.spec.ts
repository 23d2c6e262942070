import { randomUUID } from 'node:crypto';
import type { CartView, OrderView, Page, OrderSummary, StockView } from '@shop/contracts';
import { RpcClient } from '@shop/messaging';
import { eventually } from '@shop/testing';
import { type Account, type Shop, startShop } from '../catalog/shop.js';
import { ADDRESS, addToCart, checkout, createProduct, settled } from './orders-helpers.js';

/**
 * The order flow in the all-in-one mode (in-process messaging, SQLite):
 * checkout -> reservation -> CONFIRMED -> payment -> shipping -> delivery,
 * with the cart cleared, history written and stock moved at every step.
 */
describe('orders (all-in-one): checkout, saga, payment, lifecycle', () => {
  let shop: Shop;
  let seller: Account;
  let rpc: RpcClient;
  const stock = (productId: string) => rpc.send('product.stock', { productId }, { token: shop.admin.token }) as Promise<StockView>;

  beforeAll(async () => {
    shop = await startShop({ PAYMENT_SIMULATOR_LATENCY_MS: '0' });
    seller = await shop.account(['SELLER']);
    rpc = shop.service('gateway').app.get(RpcClient);
  }, 120_000);

  afterAll(async () => {
    await shop?.close();
  });

  it('takes an order from cart to delivery, moving stock and writing the history', async () => {
    const customer = await shop.account(['CUSTOMER']);
    const a = await createProduct(shop.http, seller, 5, 1000);
    const b = await createProduct(shop.http, seller, 5, 250);
    await addToCart(shop.http, customer, a.id, 2);
    await addToCart(shop.http, customer, b.id, 1);

    const placed = await checkout(shop.http, customer);
    expect(placed.status).toBe(201);
    expect(placed.headers.get('location')).toBe(`/api/v1/orders/${placed.body.id}`);
    expect(placed.body).toMatchObject({ status: 'PENDING', customerId: customer.id, total: { amount: 2250, currency: 'EUR' }, shippingAddress: ADDRESS });
    expect(placed.body.lines.map((l) => [l.productId, l.quantity, l.unitPrice.amount]).sort()).toEqual([[a.id, 2, 1000], [b.id, 1, 250]].sort());

    const confirmed = await settled(shop.http, customer.token, placed.body.id, ['CONFIRMED', 'REJECTED']);
    expect(confirmed.status).toBe('CONFIRMED');
    expect(Date.parse(confirmed.paymentDueAt!)).toBeGreaterThan(Date.now());
    expect(await stock(a.id)).toMatchObject({ onHand: 5, reserved: 2, available: 3 });
    // The cart is cleared of what was ordered once the order is confirmed.
    await eventually(async () => ((await shop.http<CartView>('GET', '/cart', { token: customer.token })).body.lines.length === 0 ? true : undefined), { what: 'the cart to be cleared' });

    const paid = await shop.http<OrderView>('POST', `/orders/${placed.body.id}/payment`, { token: customer.token, body: { paymentToken: 'tok_visa' } });
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('PAID');
    expect(paid.body.payments).toEqual([expect.objectContaining({ outcome: 'SUCCEEDED', amount: { amount: 2250, currency: 'EUR' }, method: 'tok_visa' })]);
    // Paying again answers the same order: no second charge.
    const again = await shop.http<OrderView>('POST', `/orders/${placed.body.id}/payment`, { token: customer.token, body: { paymentToken: 'tok_visa' } });
    expect(again.status).toBe(200);
    expect(again.body.payments).toHaveLength(1);
    await eventually(async () => ((await stock(a.id)).onHand === 3 ? true : undefined), { what: 'the reservation to be committed' });
    expect(await stock(a.id)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });

    const shipped = await shop.http<OrderView>('POST', `/orders/${placed.body.id}/ship`, { token: seller.token, body: { carrier: 'DHL', trackingNumber: 'JD0146-0000-1' } });
    expect(shipped.status).toBe(200);
    expect(shipped.body.status).toBe('SHIPPED');
    expect(shipped.body.lines.every((l) => l.shipment?.carrier === 'DHL')).toBe(true);
    const delivered = await shop.http<OrderView>('POST', `/orders/${placed.body.id}/deliver`, { token: seller.token });
    expect(delivered.body.status).toBe('DELIVERED');

    const history = await shop.http<Array<{ from: string | null; to: string; actor: string }>>('GET', `/orders/${placed.body.id}/history`, { token: customer.token });
    expect(history.body.map((h) => `${h.from}->${h.to}`)).toEqual(['null->PENDING', 'PENDING->CONFIRMED', 'CONFIRMED->PAID', 'PAID->SHIPPED', 'SHIPPED->DELIVERED']);
    expect(history.body.map((h) => h.actor)).toEqual([`user:${customer.id}`, 'service:order', `user:${customer.id}`, `user:${seller.id}`, `user:${seller.id}`]);
  });

  it('rejects an order when the stock is gone, leaving nothing reserved', async () => {
    const customer = await shop.account(['CUSTOMER']);
    const other = await shop.account(['CUSTOMER']);
    const p = await createProduct(shop.http, seller, 1);
    await addToCart(shop.http, customer, p.id, 1);
    await addToCart(shop.http, other, p.id, 1);
    const first = await checkout(shop.http, customer);
    expect((await settled(shop.http, customer.token, first.body.id, ['CONFIRMED', 'REJECTED'])).status).toBe('CONFIRMED');
    const second = await checkout(shop.http, other);
    const rejected = await settled(shop.http, other.token, second.body.id, ['CONFIRMED', 'REJECTED']);
    expect(rejected.status).toBe('REJECTED');
    expect(rejected.reason).toMatch(/not enough stock/);
    expect(await stock(p.id)).toMatchObject({ onHand: 1, reserved: 1 });
  });

  it('answers an empty cart with 422 ORDER.CART_EMPTY and a missing key with 400', async () => {
    const customer = await shop.account(['CUSTOMER']);
    expect(await checkout(shop.http, customer)).toMatchObject({ status: 422, body: { code: 'ORDER.CART_EMPTY' } });
    expect(await checkout(shop.http, customer, null)).toMatchObject({ status: 400, body: { code: 'IDEMPOTENCY.KEY_REQUIRED' } });
    expect(await checkout(shop.http, customer, randomUUID(), { ...ADDRESS, country: 'Germany' })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });

  it('lists orders: customers their own, sellers those with their products, filtered and paged', async () => {
    const customer = await shop.account(['CUSTOMER']);
    const p = await createProduct(shop.http, seller, 10);
    for (let i = 0; i < 3; i++) {
      await addToCart(shop.http, customer, p.id, 1);
      const o = await checkout(shop.http, customer);
      await settled(shop.http, customer.token, o.body.id, ['CONFIRMED']);
    }
    const mine = await shop.http<Page<OrderSummary>>('GET', '/orders?pageSize=2', { token: customer.token });
    expect(mine.body).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    expect(mine.body.items).toHaveLength(2);
    const confirmed = await shop.http<Page<OrderSummary>>('GET', '/orders?status=CONFIRMED', { token: customer.token });
    expect(confirmed.body.total).toBe(3);
    const future = await shop.http<Page<OrderSummary>>('GET', `/orders?from=${new Date(Date.now() + 60_000).toISOString()}`, { token: customer.token });
    expect(future.body.total).toBe(0);
    const sellers = await shop.http<Page<OrderSummary>>('GET', '/orders?pageSize=100', { token: seller.token });
    expect(sellers.body.items.filter((o) => o.customerId === customer.id)).toHaveLength(3);
    expect(await shop.http('GET', '/orders?status=LOST', { token: customer.token })).toMatchObject({ status: 400 });
  });
});
