import { resolve } from 'node:path';
import type { ProductSummary, ProductView } from '@shop/contracts';
import { RmqRpcChannel, RpcClient, messagingOptionsFromEnv } from '@shop/messaging';
import { type SpawnedProcess, createDatabases, dropDatabases, eventually, queryDatabase, spawnNode, uniqueName, waitForHttp, freePortBlock } from '@shop/testing';
import { Kafka, logLevel } from 'kafkajs';
import { parseExposition } from '../observability/prometheus.js';

const root = resolve(import.meta.dirname, '../..');
const APPS = ['user', 'product', 'cart', 'gateway'] as const;
const ADMIN = { email: 'admin@cluster.test', password: 'violet-harbor-passphrase-7' };
const SEEDED = 12;

/**
 * The cluster mode for real: each app its own process (the built dist/, as
 * deployed), MariaDB with one database per service, RabbitMQ for RPC, Kafka
 * for events. A unique namespace and database prefix isolate the run.
 */
describe('cluster: the catalog slice across processes, RabbitMQ, Kafka and MariaDB', () => {
  const namespace = uniqueName('e2e').replace(/-/g, '');
  const dbPrefix = `${namespace}_`;
  const base = freePortBlock(10);
  const port = { user: base + 1, product: base + 2, cart: base + 3, gateway: base };
  const env = { SHOP_NAMESPACE: namespace, DB_NAME_PREFIX: dbPrefix, SEED_DEMO_PRODUCTS: String(SEEDED), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092' };
  const processes = new Map<string, SpawnedProcess>();
  let rpc: RpcClient;
  let adminToken: string;
  const gateway = `http://127.0.0.1:${port.gateway}`;

  beforeAll(async () => {
    await createDatabases([`${dbPrefix}user`, `${dbPrefix}product`, `${dbPrefix}cart`]);
    for (const app of APPS) {
      processes.set(app, spawnNode(resolve(root, `dist/apps/${app}/src/main.js`), { ...env, HTTP_PORT: String(port[app]) }));
    }
    for (const app of APPS) await waitForHttp(`http://127.0.0.1:${port[app]}/health/ready`, { timeoutMs: 60_000 });
    const options = messagingOptionsFromEnv('gateway', { ...process.env, ...env, SHOP_TRANSPORT: 'broker' });
    rpc = new RpcClient(options, (queue) => new RmqRpcChannel(options, queue));
    const login = await fetch(`${gateway}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    adminToken = ((await login.json()) as { accessToken: string }).accessToken;
  });

  afterAll(async () => {
    await rpc?.onApplicationShutdown();
    await Promise.all([...processes.values()].map((p) => p.stop('SIGKILL')));
    await dropDatabases([`${dbPrefix}user`, `${dbPrefix}product`, `${dbPrefix}cart`]);
  });

  it('every app reports its database and brokers ready', async () => {
    const product = (await (await fetch(`http://127.0.0.1:${port.product}/health/ready`)).json()) as { checks: Record<string, { status: string }> };
    expect(product.checks).toEqual({ database: { status: 'up' }, rabbitmq: { status: 'up' }, kafka: { status: 'up' } });
  });

  it('serves the seeded catalog through the gateway by RPC', async () => {
    const page = (await (await fetch(`${gateway}/api/v1/products?pageSize=5`)).json()) as { items: ProductSummary[]; total: number };
    expect(page.total).toBe(SEEDED);
    const one = (await (await fetch(`${gateway}/api/v1/products/${page.items[0]!.slug}`)).json()) as ProductView;
    expect(one).toMatchObject({ id: page.items[0]!.id, name: page.items[0]!.name, price: page.items[0]!.price, available: page.items[0]!.available });
  });

  it('maps a domain error from the product service to problem+json', async () => {
    const res = await fetch(`${gateway}/api/v1/products/missing-product`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'PRODUCT.NOT_FOUND' });
  });

  it('carries product.created through the outbox, Kafka and the cart inbox', async () => {
    const created = await rpc.send('product.create', { name: 'Cluster Kettle', price: { amount: 1999, currency: 'EUR' } }, { token: adminToken });
    const snapshot = await eventually(() => rpc.send('cart.productSnapshot', { productId: created.id }), { timeoutMs: 30_000, what: 'the cart snapshot' });
    expect(snapshot).toMatchObject({ productId: created.id, name: 'Cluster Kettle' });
    const [outbox] = await queryDatabase<{ waiting: number }>(`${dbPrefix}product`, 'SELECT COUNT(*) AS waiting FROM outbox WHERE published_at IS NULL');
    expect(Number(outbox!.waiting)).toBe(0);
    // Partitions are consumed independently: the seeded events may still be arriving.
    const applied = async () => Number((await queryDatabase<{ n: number }>(`${dbPrefix}cart`, 'SELECT COUNT(*) AS n FROM inbox WHERE event_type = ?', ['product.created']))[0]!.n);
    await eventually(async () => (await applied()) === SEEDED + 1, { timeoutMs: 30_000, what: 'every product.created applied once' }).catch((err: unknown) => {
      console.error(processes.get('cart')!.output().slice(-6000));
      throw err;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await applied()).toBe(SEEDED + 1);
  });

  it('searches the catalog on MariaDB, wildcards and backslashes taken literally', async () => {
    const search = async (q: string) => {
      const res = await fetch(`${gateway}/api/v1/products?q=${encodeURIComponent(q)}&inStock=true&pageSize=50`);
      expect(res.status, q).toBe(200);
      return ((await res.json()) as { items: ProductSummary[] }).items.map((p) => p.name);
    };
    const created = await rpc.send('product.create', { name: 'Search 100% Wool_Scarf \\ Deluxe!', price: { amount: 2500, currency: 'EUR' }, stock: 3 }, { token: adminToken });
    expect(await search('wool_scarf')).toEqual([created.name]);
    expect(await search('100%')).toEqual([created.name]);
    expect(await search('\\ deluxe!')).toEqual([created.name]);
    expect(await search('1000%')).toEqual([]);
    expect(await search('wool%scarf')).toEqual([]);
    expect(await search('_ool')).toEqual([]);
  });

  it('refuses to create a product for an anonymous caller, whatever actor the request claims', async () => {
    const forged = rpc.send('product.create', { name: 'Forged', price: { amount: 1, currency: 'EUR' } }, { token: null, actor: { kind: 'user', userId: 'x', roles: ['ADMIN'] } });
    await expect(forged).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it("the gateway's catalog cache follows the catalog's events on a Kafka group of its own: a change made behind its back shows at once", async () => {
    const created = await rpc.send('product.create', { name: 'Cluster Cached Lamp', price: { amount: 2500, currency: 'EUR' }, stock: 10, status: 'ACTIVE' }, { token: adminToken });
    const read = async () => ((await (await fetch(`${gateway}/api/v1/products/${created.id}`)).json()) as ProductView).available;
    const hits = async () =>
      parseExposition(await (await fetch(`${gateway}/metrics`)).text())
        .samples.filter((s) => s.name === 'shop_gateway_cache_lookups_total' && s.labels['cache'] === 'product' && s.labels['result'] === 'hit')
        .reduce((n, s) => n + s.value, 0);
    // Served from the gateway's memory once its feed is live.
    await eventually(async () => (await read()) === 10 && (await read()) === 10 && (await hits()) > 0, { timeoutMs: 30_000, what: 'product reads answered from the gateway cache' });
    await rpc.send('product.adjustStock', { productId: created.id, mode: 'delta', quantity: -4, reason: 'counted behind the cache' }, { token: adminToken });
    await eventually(async () => (await read()) === 6, { timeoutMs: 10_000, what: 'the stock change seen through the gateway (its cache default TTL is 5 min)' });
  });

  it('serves RED, messaging and business metrics over RabbitMQ and Kafka as in the all-in-one mode', async () => {
    const scrape = async (app: (typeof APPS)[number]) => parseExposition(await (await fetch(`http://127.0.0.1:${port[app]}/metrics`)).text()).samples;
    const sum = (samples: Awaited<ReturnType<typeof scrape>>, name: string, labels: Record<string, string>) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
    const [gw, product, cart, user] = await Promise.all([scrape('gateway'), scrape('product'), scrape('cart'), scrape('user')]);
    expect(sum(gw, 'shop_http_requests_total', { service: 'gateway', method: 'GET', route: '/api/v1/products/:id', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(sum(gw, 'shop_http_requests_total', { method: 'GET', route: '/api/v1/products/:id', status_class: '4xx' })).toBeGreaterThanOrEqual(1);
    expect(sum(gw, 'shop_rpc_client_requests_total', { pattern: 'product.get', code: 'PRODUCT.NOT_FOUND' })).toBeGreaterThanOrEqual(1);
    expect(sum(product, 'shop_rpc_server_requests_total', { service: 'product', pattern: 'product.get', code: 'OK' })).toBeGreaterThanOrEqual(1);
    expect(sum(product, 'shop_rpc_server_request_duration_seconds_count', { pattern: 'product.create' })).toBeGreaterThanOrEqual(1);
    expect(sum(product, 'shop_events_published_total', { topic: 'catalog.events', type: 'product.created' })).toBeGreaterThanOrEqual(SEEDED + 1);
    expect(product.filter((s) => s.name === 'shop_outbox_pending_messages').map((s) => s.value)).toEqual([0]);
    expect(sum(cart, 'shop_events_consumed_total', { type: 'product.created', outcome: 'processed' })).toBeGreaterThanOrEqual(1);
    expect(sum(user, 'shop_logins_total', { outcome: 'success' })).toBeGreaterThanOrEqual(1);
  });

  it('every app shuts down cleanly on SIGTERM; the gateway deletes its feed consumer group', async () => {
    const admin = new Kafka({ clientId: 'e2e-groups', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const feedGroups = async () => (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(`${namespace}.gateway.feed.`));
      expect(await feedGroups()).toHaveLength(1);
      for (const app of ['gateway', 'cart', 'product', 'user']) {
        const started = Date.now();
        expect({ app, code: await processes.get(app)!.stop('SIGTERM', 15_000) }).toEqual({ app, code: 0 });
        expect(Date.now() - started).toBeLessThan(15_000);
      }
      expect(await feedGroups()).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });
});
