import { randomBytes } from 'node:crypto';
import type { Actor, ReservationLine } from '@shop/contracts';
import { RmqRpcChannel, RpcClient, messagingOptionsFromEnv } from '@shop/messaging';
import { type RunningService, bootstrapService } from '@shop/platform';
import { InventoryService, ProductsService, productService } from '@shop/services/product';
import { userService } from '@shop/services/user';
import { createDatabases, dropDatabases, uniqueName } from '@shop/testing';
import amqp from 'amqplib';
import fc from 'fast-check';
import { type Pool, createPool } from 'mysql2/promise';
import { type ReservationTarget, type StockRow, orderMix, runReservationRace } from '../catalog/reservation-scenario.js';

const ORDER_SERVICE: Actor = { kind: 'service', service: 'order' };
const RPC_CLIENTS = 6;

/**
 * The reservation race against real MariaDB: two product service instances
 * (each with its own connection pool) on one database, reservations fired
 * from 8 parallel clients: each instance's InventoryService directly, and 6
 * RPC clients over RabbitMQ (their requests land on either instance),
 * authenticated as the order service. 300 generated orders of 1-3 units, 64
 * in flight, for 20-60 units; invariants read by a separate connection.
 */
describe('stock reservations under concurrency on MariaDB, from parallel clients', () => {
  const namespace = uniqueName('stock').replace(/-/g, '');
  const databases = [`${namespace}_product`, `${namespace}_user`];
  const secret = randomBytes(24).toString('base64url');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SHOP_TRANSPORT: 'broker',
    DB_DRIVER: 'mysql',
    SHOP_NAMESPACE: namespace,
    DB_NAME_PREFIX: `${namespace}_`,
    SERVICE_SECRETS: JSON.stringify({ order: secret }),
    RESERVATION_SWEEP_INTERVAL_MS: '600000',
    LOG_LEVEL: 'error',
  };
  const services: RunningService[] = [];
  const clients: RpcClient[] = [];
  let reader: Pool;
  let target: ReservationTarget;

  beforeAll(async () => {
    await createDatabases(databases);
    services.push(await bootstrapService(userService, { env, httpPort: 0, logger: false }));
    const [a, b] = [await bootstrapService(productService, { env, httpPort: 0, logger: false }), await bootstrapService(productService, { env, httpPort: 0, logger: false })];
    services.push(a!, b!);
    const options = messagingOptionsFromEnv('order', env);
    for (let i = 0; i < RPC_CLIENTS; i++) clients.push(new RpcClient(options, (queue) => new RmqRpcChannel(options, queue)));
    const { accessToken } = await clients[0]!.send('user.serviceToken', { service: 'order', secret }, { token: null, timeoutMs: 20_000 });
    reader = createPool({ host: process.env['DB_HOST'] ?? '127.0.0.1', port: Number(process.env['DB_PORT'] ?? 3306), user: process.env['DB_USER'] ?? 'root', password: process.env['DB_PASSWORD'] ?? '', database: databases[0], connectionLimit: 4 });
    const direct = [a!, b!].map((s) => s.app.get(InventoryService));
    const products = a!.app.get(ProductsService);
    target = {
      reserve(client, orderId, lines: ReservationLine[]) {
        if (client < direct.length) return direct[client]!.reserve(ORDER_SERVICE, { orderId, lines });
        return clients[client - direct.length]!.send('product.reserveStock', { orderId, lines }, { token: accessToken, timeoutMs: 30_000 });
      },
      async stock(ids) {
        // One statement: a consistent snapshot of the stock rows and the reservation lines.
        const [rows] = await reader.query(
          `SELECT s.product_id AS productId, s.on_hand AS onHand, s.reserved AS reserved,
             (SELECT COALESCE(SUM(r.quantity), 0) FROM reservations r WHERE r.product_id = s.product_id AND r.status = 'RESERVED') AS reservedLines
           FROM stock s WHERE s.product_id IN (?)`,
          [ids],
        );
        return (rows as StockRow[]).map((r) => ({ productId: r.productId, onHand: Number(r.onHand), reserved: Number(r.reserved), reservedLines: Number(r.reservedLines) }));
      },
      async reservations(ids) {
        const [rows] = await reader.query('SELECT order_id AS orderId, product_id AS productId, quantity, status FROM reservations WHERE product_id IN (?)', [ids]);
        return rows as never;
      },
      async movements(id) {
        const [rows] = await reader.query('SELECT order_id AS orderId, on_hand_delta AS onHandDelta, reserved_delta AS reservedDelta FROM stock_movements WHERE product_id = ?', [id]);
        return rows as never;
      },
      async createProduct(name, stock) {
        return (await products.create({ name, price: { amount: 1000, currency: 'EUR' }, stock }, ORDER_SERVICE)).id;
      },
    };
  });

  afterAll(async () => {
    try {
      await Promise.all(clients.map((c) => c.onApplicationShutdown()));
      for (const s of services.reverse()) await s.close();
      await reader?.end();
    } finally {
      await dropDatabases(databases);
    }
    const conn = await amqp.connect(env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672');
    try {
      const ch = await conn.createChannel();
      for (const service of ['user', 'product']) await ch.deleteQueue(`${namespace}.${service}.rpc`);
    } finally {
      await conn.close();
    }
  });

  it('300 concurrent orders for 20-60 units, from 8 clients across 2 instances, reserve exactly the stock, never below zero, all or nothing per order', async () => {
    const runs: unknown[] = [];
    await fc.assert(
      fc.asyncProperty(orderMix(300), async (mix) => {
        runs.push(await runReservationRace(target, mix, { orders: 300, concurrency: 64, clients: 2 + RPC_CLIENTS, duplicates: 20 }));
      }),
      { numRuns: 2, endOnFailure: true },
    );
    expect(runs).toHaveLength(2);
  }, 90_000);
});
