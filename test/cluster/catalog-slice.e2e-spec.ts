import { resolve } from 'node:path';
import type { ProductView } from '@shop/contracts';
import { RmqRpcChannel, RpcClient, messagingOptionsFromEnv } from '@shop/messaging';
import { type SpawnedProcess, createDatabases, dropDatabases, eventually, queryDatabase, spawnNode, uniqueName, waitForHttp } from '@shop/testing';

const root = resolve(import.meta.dirname, '../..');
const APPS = ['product', 'cart', 'gateway'] as const;
const SEEDED = 12;

/**
 * The cluster mode for real: each app its own process (the built dist/, as
 * deployed), MariaDB with one database per service, RabbitMQ for RPC, Kafka
 * for events. A unique namespace and database prefix isolate the run.
 */
describe('cluster: the catalog slice across processes, RabbitMQ, Kafka and MariaDB', () => {
  const namespace = uniqueName('e2e').replace(/-/g, '');
  const dbPrefix = `${namespace}_`;
  const base = 24000 + Math.floor(Math.random() * 400) * 10;
  const port = { product: base + 2, cart: base + 3, gateway: base };
  const env = { SHOP_NAMESPACE: namespace, DB_NAME_PREFIX: dbPrefix, SEED_DEMO_PRODUCTS: String(SEEDED), KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092' };
  const processes = new Map<string, SpawnedProcess>();
  let rpc: RpcClient;
  const gateway = `http://127.0.0.1:${port.gateway}`;

  beforeAll(async () => {
    await createDatabases([`${dbPrefix}product`, `${dbPrefix}cart`]);
    for (const app of APPS) {
      processes.set(app, spawnNode(resolve(root, `dist/apps/${app}/src/main.js`), { ...env, HTTP_PORT: String(port[app]) }));
    }
    for (const app of APPS) await waitForHttp(`http://127.0.0.1:${port[app]}/health/ready`, { timeoutMs: 60_000 });
    const options = messagingOptionsFromEnv('gateway', { ...process.env, ...env, SHOP_TRANSPORT: 'broker' });
    rpc = new RpcClient(options, (queue) => new RmqRpcChannel(options, queue));
  });

  afterAll(async () => {
    await rpc?.onApplicationShutdown();
    await Promise.all([...processes.values()].map((p) => p.stop('SIGKILL')));
    await dropDatabases([`${dbPrefix}product`, `${dbPrefix}cart`]);
  });

  it('every app reports its database and brokers ready', async () => {
    const product = (await (await fetch(`http://127.0.0.1:${port.product}/health/ready`)).json()) as { checks: Record<string, { status: string }> };
    expect(product.checks).toEqual({ database: { status: 'up' }, rabbitmq: { status: 'up' }, kafka: { status: 'up' } });
  });

  it('serves the seeded catalog through the gateway by RPC', async () => {
    const page = (await (await fetch(`${gateway}/api/v1/products?pageSize=5`)).json()) as { items: ProductView[]; total: number };
    expect(page.total).toBe(SEEDED);
    const one = (await (await fetch(`${gateway}/api/v1/products/${page.items[0]!.slug}`)).json()) as ProductView;
    expect(one).toEqual(page.items[0]);
  });

  it('maps a domain error from the product service to problem+json', async () => {
    const res = await fetch(`${gateway}/api/v1/products/missing-product`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'PRODUCT.NOT_FOUND' });
  });

  it('carries product.created through the outbox, Kafka and the cart inbox', async () => {
    const created = await rpc.send('product.create', { name: 'Cluster Kettle', price: { amount: 1999, currency: 'EUR' } });
    const snapshot = await eventually(() => rpc.send('cart.productSnapshot', { productId: created.id }), { timeoutMs: 30_000, what: 'the cart snapshot' });
    expect(snapshot).toMatchObject({ productId: created.id, name: 'Cluster Kettle' });
    const [outbox] = await queryDatabase<{ waiting: number }>(`${dbPrefix}product`, 'SELECT COUNT(*) AS waiting FROM outbox WHERE published_at IS NULL');
    expect(Number(outbox!.waiting)).toBe(0);
    const inbox = await queryDatabase<{ n: number }>(`${dbPrefix}cart`, 'SELECT COUNT(*) AS n FROM inbox WHERE event_type = ?', ['product.created']);
    expect(Number(inbox[0]!.n)).toBe(SEEDED + 1);
  });

  it('every app shuts down cleanly on SIGTERM', async () => {
    for (const app of ['gateway', 'cart', 'product']) {
      const started = Date.now();
      expect({ app, code: await processes.get(app)!.stop('SIGTERM', 15_000) }).toEqual({ app, code: 0 });
      expect(Date.now() - started).toBeLessThan(15_000);
    }
  });
});
