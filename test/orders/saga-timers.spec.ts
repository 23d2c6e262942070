import { randomUUID } from 'node:crypto';
import type { OrderView } from '@shop/contracts';
import { sqlTimestamp } from '@shop/database';
import { type OrderShop, allInOneShop } from './harness.js';
import { createProduct, settled } from './orders-helpers.js';

/**
 * The saga's timers on orders whose inventory answer never came (as after a
 * lost message or a product service down for long): the order is stored
 * PENDING as checkout leaves it, but its order.created was never published.
 * The timer sends order.created again (the product service then reserves and
 * the order is confirmed), and rejects an order once its attempts are spent.
 */
describe('orders (all-in-one): the saga timer moves orders stuck without an answer', () => {
  let shop: OrderShop;
  beforeAll(async () => {
    shop = await allInOneShop({ ORDER_SAGA_INTERVAL_MS: '100', ORDER_INVENTORY_MAX_ATTEMPTS: '2' });
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
  });

  async function stuckOrder(customerId: string, productId: string, attempts: number): Promise<string> {
    const id = randomUUID();
    const past = sqlTimestamp(new Date(Date.now() - 1_000));
    await shop.sql(
      'order',
      'INSERT INTO orders (id, customer_id, customer_email, status, total_amount, currency, shipping_address, reason, payment_due_at, payment_lock_until, next_check_at, reservation_attempts, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?, 1, ?, ?)',
      [id, customerId, 'stuck@orders.test', 'PENDING', 1250, 'EUR', JSON.stringify({ name: 'A', line1: 'B', city: 'C', postalCode: 'D', country: 'DE' }), past, attempts, past, past],
    );
    await shop.sql('order', 'INSERT INTO order_lines (order_id, product_id, seller_id, name, quantity, unit_amount) VALUES (?, ?, NULL, ?, 1, 1250)', [id, productId, 'Stuck item']);
    await shop.sql('order', 'INSERT INTO order_history (id, order_id, at, actor, from_status, to_status, reason) VALUES (?, ?, ?, ?, NULL, ?, ?)', [randomUUID(), id, past, `user:${customerId}`, 'PENDING', 'checkout']);
    return id;
  }

  it('sends order.created again when no answer came, and the order is confirmed', async () => {
    const seller = await shop.account(['SELLER']);
    const customer = await shop.account(['CUSTOMER']);
    const product = await createProduct(shop.http, seller, 5);
    const id = await stuckOrder(customer.id, product.id, 1);
    const order = await settled(shop.http, customer.token, id, ['CONFIRMED', 'REJECTED'], 15_000);
    expect(order.status).toBe('CONFIRMED');
    const [row] = await shop.sql<{ reservation_attempts: number }>('order', 'SELECT reservation_attempts FROM orders WHERE id = ?', [id]);
    expect(Number(row!.reservation_attempts)).toBe(2);
    const sent = await shop.sql<{ n: number }>('order', "SELECT COUNT(*) AS n FROM outbox WHERE type = 'order.created' AND aggregate_id = ?", [id]);
    expect(Number(sent[0]!.n)).toBe(1);
    expect(await shop.stock(product.id)).toMatchObject({ reserved: 1 });
  });

  it('rejects an order whose attempts are spent, and nothing stays reserved for it', async () => {
    const seller = await shop.account(['SELLER']);
    const customer = await shop.account(['CUSTOMER']);
    const product = await createProduct(shop.http, seller, 5);
    const id = await stuckOrder(customer.id, product.id, 2);
    const order: OrderView = await settled(shop.http, customer.token, id, ['CONFIRMED', 'REJECTED'], 15_000);
    expect(order).toMatchObject({ status: 'REJECTED', reason: 'the inventory did not answer after 2 attempts' });
    expect(order.history.at(-1)).toMatchObject({ from: 'PENDING', to: 'REJECTED', actor: 'service:order' });
    expect(await shop.stock(product.id)).toMatchObject({ reserved: 0, available: 5 });
  });
});
