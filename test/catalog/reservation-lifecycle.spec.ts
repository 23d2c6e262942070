import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor, StockView } from '@shop/contracts';
import { InProcessBroker } from '@shop/messaging';
import { type RunningService, bootstrapService } from '@shop/platform';
import { InventoryService, ProductsService, productService } from '@shop/services/product';
import { eventually } from '@shop/testing';
import { type SqliteReader, openSqliteReader } from './sqlite-reader.js';

const ORDER_SERVICE: Actor = { kind: 'service', service: 'order' };
const SWEEP_INTERVAL_MS = 100;

/**
 * Reservations after they are made: the sweeper releases expired ones, and
 * release and commit move units exactly once however often they are called.
 * The product service alone, SQLite; what the database holds is read through
 * a second, read-only connection.
 */
describe('reservation expiry, release and commit', () => {
  let dir: string;
  let product: RunningService;
  let reader: SqliteReader;
  let inventory: InventoryService;
  let products: ProductsService;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shop-reservations-'));
    product = await bootstrapService(productService, {
      env: { SHOP_TRANSPORT: 'in-process', DB_DRIVER: 'sqlite', DB_SQLITE_DIR: dir, RESERVATION_SWEEP_INTERVAL_MS: String(SWEEP_INTERVAL_MS), RESERVATION_TTL_SECONDS: '1' },
      broker: new InProcessBroker(),
      httpPort: 0,
      logger: false,
    });
    reader = openSqliteReader(dir, 'product');
    inventory = product.app.get(InventoryService);
    products = product.app.get(ProductsService);
  });

  afterAll(async () => {
    reader?.close();
    await product?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const newProduct = async (stock: number) => (await products.create({ name: `Lifecycle ${randomUUID().slice(0, 8)}`, price: { amount: 500, currency: 'EUR' }, stock }, ORDER_SERVICE)).id;
  const stock = (productId: string): StockView => {
    const row = reader.get<{ onHand: number; reserved: number }>('SELECT on_hand AS onHand, reserved FROM stock WHERE product_id = ?', productId);
    return { productId, onHand: row.onHand, reserved: row.reserved, available: row.onHand - row.reserved };
  };
  const statuses = (orderId: string) => reader.all<{ status: string }>('SELECT status FROM reservations WHERE order_id = ? ORDER BY product_id', orderId).map((r) => r.status);
  const movements = (productId: string) =>
    reader.all<{ onHand: number; reserved: number; reason: string; orderId: string | null }>('SELECT on_hand_delta AS onHand, reserved_delta AS reserved, reason, order_id AS orderId FROM stock_movements WHERE product_id = ? ORDER BY created_at, id', productId);

  it('the sweeper releases an expired reservation (every line) and leaves an unexpired one alone', async () => {
    const [a, b] = [await newProduct(10), await newProduct(10)];
    const expiring = randomUUID();
    const lasting = randomUUID();
    // The service default TTL (1 s here) for one order, an hour for the other.
    await inventory.reserve(ORDER_SERVICE, { orderId: expiring, lines: [{ productId: a, quantity: 3 }, { productId: b, quantity: 2 }] });
    await inventory.reserve(ORDER_SERVICE, { orderId: lasting, lines: [{ productId: a, quantity: 4 }], ttlSeconds: 3600 });
    expect(stock(a)).toMatchObject({ reserved: 7, available: 3 });
    expect(statuses(expiring)).toEqual(['RESERVED', 'RESERVED']);

    await eventually(() => statuses(expiring).every((s) => s === 'RELEASED'), { timeoutMs: 5_000, intervalMs: 50, what: 'the expired reservation released by the sweeper' });
    expect(stock(a)).toEqual({ productId: a, onHand: 10, reserved: 4, available: 6 });
    expect(stock(b)).toEqual({ productId: b, onHand: 10, reserved: 0, available: 10 });
    expect(movements(b).filter((m) => m.orderId === expiring)).toEqual([
      { onHand: 0, reserved: 2, reason: 'reserved', orderId: expiring },
      { onHand: 0, reserved: -2, reason: 'reservation expired', orderId: expiring },
    ]);
    // Several sweeps later the hour-long reservation is still held.
    await new Promise((r) => setTimeout(r, SWEEP_INTERVAL_MS * 5));
    expect(statuses(lasting)).toEqual(['RESERVED']);
    expect(stock(a).reserved).toBe(4);
  });

  it('releasing twice (also concurrently) gives the units back once: the second call changes neither stock nor movements', async () => {
    const p = await newProduct(10);
    const orderId = randomUUID();
    await inventory.reserve(ORDER_SERVICE, { orderId, lines: [{ productId: p, quantity: 4 }], ttlSeconds: 3600 });
    const released = await Promise.all(Array.from({ length: 5 }, () => inventory.release(ORDER_SERVICE, orderId)));
    expect(released.map((r) => r?.status)).toEqual(Array(5).fill('RELEASED'));
    const afterFirst = { stock: stock(p), movements: movements(p) };
    expect(afterFirst.stock).toEqual({ productId: p, onHand: 10, reserved: 0, available: 10 });
    expect(afterFirst.movements.filter((m) => m.reason === 'released')).toHaveLength(1);

    expect(await inventory.release(ORDER_SERVICE, orderId)).toMatchObject({ orderId, status: 'RELEASED' });
    // A released reservation cannot be committed afterwards either.
    expect(await inventory.commit(ORDER_SERVICE, orderId)).toMatchObject({ orderId, status: 'RELEASED' });
    expect({ stock: stock(p), movements: movements(p) }).toEqual(afterFirst);
  });

  it('commit turns reserved units into sold ones (on hand and reserved both drop), once, however often it is called', async () => {
    const [a, b] = [await newProduct(10), await newProduct(5)];
    const orderId = randomUUID();
    await inventory.reserve(ORDER_SERVICE, { orderId, lines: [{ productId: a, quantity: 4 }, { productId: b, quantity: 5 }], ttlSeconds: 3600 });
    expect(stock(a)).toEqual({ productId: a, onHand: 10, reserved: 4, available: 6 });

    const committed = await Promise.all(Array.from({ length: 5 }, () => inventory.commit(ORDER_SERVICE, orderId)));
    expect(committed.map((r) => r?.status)).toEqual(Array(5).fill('COMMITTED'));
    const afterFirst = { a: stock(a), b: stock(b), movesA: movements(a), movesB: movements(b) };
    expect(afterFirst.a).toEqual({ productId: a, onHand: 6, reserved: 0, available: 6 });
    expect(afterFirst.b).toEqual({ productId: b, onHand: 0, reserved: 0, available: 0 });
    expect(afterFirst.movesA.filter((m) => m.orderId === orderId)).toEqual([
      { onHand: 0, reserved: 4, reason: 'reserved', orderId },
      { onHand: -4, reserved: -4, reason: 'committed', orderId },
    ]);

    expect(await inventory.commit(ORDER_SERVICE, orderId)).toMatchObject({ status: 'COMMITTED' });
    // Neither a late release nor the sweeper undoes a sale.
    expect(await inventory.release(ORDER_SERVICE, orderId)).toMatchObject({ status: 'COMMITTED' });
    await inventory.sweepExpired(new Date(Date.now() + 7200_000));
    expect({ a: stock(a), b: stock(b), movesA: movements(a), movesB: movements(b) }).toEqual(afterFirst);
    expect(statuses(orderId)).toEqual(['COMMITTED', 'COMMITTED']);
  });

  it('release and commit are for the order system only: a customer or seller token is refused', async () => {
    const p = await newProduct(3);
    const orderId = randomUUID();
    await inventory.reserve(ORDER_SERVICE, { orderId, lines: [{ productId: p, quantity: 1 }], ttlSeconds: 3600 });
    for (const roles of [['CUSTOMER'], ['SELLER']] as const) {
      const actor: Actor = { kind: 'user', userId: randomUUID(), roles: [...roles] };
      await expect(inventory.release(actor, orderId)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(inventory.commit(actor, orderId)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(inventory.reserve(actor, { orderId: randomUUID(), lines: [{ productId: p, quantity: 1 }] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(stock(p).reserved).toBe(1);
  });
});
