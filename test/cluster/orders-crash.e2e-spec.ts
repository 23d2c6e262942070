import { randomUUID } from 'node:crypto';
import { eventually } from '@shop/testing';
import { type ClusterApp, type ClusterShop, clusterShop } from '../orders/harness.js';
import { addToCart, checkoutUntilAnswered, createProduct } from '../orders/orders-helpers.js';
import { pool } from '../orders/order-suites.js';

const CUSTOMERS = 500;
const STOCK = 100;

/**
 * The oversell race again, while the order service and the product service
 * are each killed with SIGKILL and restarted three times mid-run. Clients
 * retry timeouts with the same Idempotency-Key. Afterwards: every accepted
 * order is confirmed or rejected within a bound, none is lost, none doubled
 * per key, no reservation is held for an order that is not confirmed, and
 * the stock equation holds.
 */
describe('orders (cluster): the checkout saga survives SIGKILL of the order and product services', () => {
  let shop: ClusterShop;
  beforeAll(async () => {
    shop = await clusterShop({ ORDER_INVENTORY_TIMEOUT_MS: '5000', ORDER_INVENTORY_MAX_ATTEMPTS: '20', ORDER_SAGA_INTERVAL_MS: '500' });
  }, 240_000);
  afterAll(async () => {
    await shop?.close();
  });

  it(`${CUSTOMERS} concurrent checkouts against ${STOCK} units with 6 crashes: nothing lost, nothing doubled, no oversell`, async () => {
    const seller = await shop.account(['SELLER']);
    const product = await createProduct(shop.http, seller, STOCK, 1990, 'Crash-tested kettle');
    const buyers = await pool(Array.from({ length: CUSTOMERS }), 8, () => shop.account(['CUSTOMER']));
    await pool(buyers, 16, (c) => addToCart(shop.http, c, product.id, 1));
    const keys = buyers.map(() => randomUUID());

    const started = Date.now();
    const checkouts = Promise.all(buyers.map((c, i) => checkoutUntilAnswered(shop.http, c, keys[i], 400_000)));
    const crashes: string[] = [];
    const killer = (async () => {
      for (const app of ['order', 'product', 'order', 'product', 'order', 'product'] as ClusterApp[]) {
        await new Promise((r) => setTimeout(r, 1_500));
        await shop.kill(app);
        crashes.push(`${app} killed at +${Date.now() - started} ms`);
        await new Promise((r) => setTimeout(r, 1_000));
        await shop.restart(app);
      }
    })();
    const answered = await checkouts;
    await killer;
    const lastRestart = Date.now();

    const accepted = answered.filter((a) => a.reply.status === 201);
    const refusedFinal = answered.filter((a) => a.reply.status !== 201);
    expect(refusedFinal.map((a) => `${a.reply.status} ${JSON.stringify(a.reply.body)}`).slice(0, 3)).toEqual([]);
    const ids = accepted.map((a) => a.reply.body.id);

    // Every accepted order reaches CONFIRMED or REJECTED within the bound after the last restart.
    const byStatus = await eventually(
      async () => {
        const rows = await shop.sql<{ status: string; n: number }>('order', 'SELECT status, COUNT(*) AS n FROM orders GROUP BY status');
        const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
        return by['PENDING'] ? undefined : by;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: 'no order left PENDING' },
    );
    const settledAfterMs = Date.now() - lastRestart;
    const [{ n: stored }] = (await shop.sql<{ n: number }>('order', 'SELECT COUNT(*) AS n FROM orders')) as [{ n: number }];
    const existing = new Set((await shop.sql<{ id: string }>('order', `SELECT id FROM orders WHERE id IN (${ids.map(() => '?').join(',')})`, ids)).map((r) => r.id));
    const lost = ids.filter((id) => !existing.has(id)).length;
    const doubled = await shop.sql<{ customer_id: string; n: number }>('order', 'SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id HAVING COUNT(*) > 1');
    const retries = answered.reduce((n, a) => n + a.attempts - 1, 0);
    console.log(
      `[orders] crash run: ${crashes.join(', ')}; accepted ${accepted.length}/${CUSTOMERS}, client retries ${retries}, stored ${stored}, confirmed ${byStatus['CONFIRMED'] ?? 0}, rejected ${byStatus['REJECTED'] ?? 0}, lost ${lost}, duplicated ${doubled.length}; settled ${settledAfterMs} ms after the last restart`,
    );

    expect(crashes).toHaveLength(6);
    expect(accepted).toHaveLength(CUSTOMERS);
    expect(new Set(ids).size).toBe(CUSTOMERS);
    expect(lost).toBe(0);
    expect(doubled).toEqual([]);
    expect(Number(stored)).toBe(CUSTOMERS);
    expect(byStatus).toEqual({ CONFIRMED: STOCK, REJECTED: CUSTOMERS - STOCK });

    // Stock: all reserved by exactly the confirmed orders, never below zero in any recorded movement.
    expect(await shop.stock(product.id)).toMatchObject({ onHand: STOCK, reserved: STOCK, available: 0 });
    const confirmed = new Set((await shop.sql<{ id: string }>('order', "SELECT id FROM orders WHERE status = 'CONFIRMED'")).map((r) => r.id));
    const held = await shop.sql<{ order_id: string; quantity: number }>('product', "SELECT order_id, quantity FROM reservations WHERE status = 'RESERVED'");
    expect(held.filter((r) => !confirmed.has(r.order_id))).toEqual([]);
    expect(held.reduce((n, r) => n + Number(r.quantity), 0)).toBe(STOCK);
    const [bad] = await shop.sql<{ n: number }>('product', 'SELECT COUNT(*) AS n FROM stock_movements WHERE product_id = ? AND (reserved_after > on_hand_after OR reserved_after < 0)', [product.id]);
    expect(Number(bad!.n)).toBe(0);
    // Each key made one order, recorded as done.
    const [keysDone] = await shop.sql<{ n: number }>('order', "SELECT COUNT(*) AS n FROM idempotency_keys WHERE state = 'DONE'");
    expect(Number(keysDone!.n)).toBe(CUSTOMERS);
  }, 900_000);
});
