import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '@shop/contracts';
import { InProcessBroker } from '@shop/messaging';
import { type RunningService, bootstrapService } from '@shop/platform';
import { InventoryService, ProductsService, productService } from '@shop/services/product';
import fc from 'fast-check';
import { type ReservationTarget, type StockRow, orderMix, runReservationRace } from './reservation-scenario.js';
import { type SqliteReader, openSqliteReader } from './sqlite-reader.js';

const ORDER_SERVICE: Actor = { kind: 'service', service: 'order' };

/**
 * The all-in-one storage (SQLite, one connection per service, in-process
 * callers): 300 generated orders of 1-3 units, 64 in flight at a time, for
 * 20-60 units. Invariants are read through a second, read-only connection,
 * so only committed state is seen.
 */
describe('stock reservations under concurrency on SQLite', () => {
  let dir: string;
  let product: RunningService;
  let reader: SqliteReader;
  let target: ReservationTarget;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shop-stock-'));
    product = await bootstrapService(productService, {
      env: { SHOP_TRANSPORT: 'in-process', DB_DRIVER: 'sqlite', DB_SQLITE_DIR: dir, RESERVATION_SWEEP_INTERVAL_MS: '600000' },
      broker: new InProcessBroker(),
      httpPort: 0,
      logger: false,
    });
    reader = openSqliteReader(dir, 'product');
    const inventory = product.app.get(InventoryService);
    const products = product.app.get(ProductsService);
    target = {
      reserve: (_client, orderId, lines) => inventory.reserve(ORDER_SERVICE, { orderId, lines }),
      async stock(ids) {
        const marks = ids.map(() => '?').join(',');
        return reader.all<StockRow>(
          `SELECT s.product_id AS productId, s.on_hand AS onHand, s.reserved AS reserved,
             (SELECT COALESCE(SUM(r.quantity), 0) FROM reservations r WHERE r.product_id = s.product_id AND r.status = 'RESERVED') AS reservedLines
           FROM stock s WHERE s.product_id IN (${marks})`,
          ...ids,
        );
      },
      async reservations(ids) {
        const marks = ids.map(() => '?').join(',');
        return reader.all(`SELECT order_id AS orderId, product_id AS productId, quantity, status FROM reservations WHERE product_id IN (${marks})`, ...ids);
      },
      async movements(id) {
        return reader.all('SELECT order_id AS orderId, on_hand_delta AS onHandDelta, reserved_delta AS reservedDelta FROM stock_movements WHERE product_id = ?', id);
      },
      async createProduct(name, stock) {
        return (await products.create({ name, price: { amount: 1000, currency: 'EUR' }, stock }, ORDER_SERVICE)).id;
      },
    };
  });

  afterAll(async () => {
    reader?.close();
    await product?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('300 concurrent orders for 20-60 units reserve exactly the stock, never go below zero, and refused multi-line orders leave nothing behind', async () => {
    const runs: unknown[] = [];
    await fc.assert(
      fc.asyncProperty(orderMix(300), async (mix) => {
        runs.push(await runReservationRace(target, mix, { orders: 300, concurrency: 64, clients: 1, duplicates: 20 }));
      }),
      { numRuns: 3, endOnFailure: true },
    );
    expect(runs).toHaveLength(3);
  }, 60_000);
});
