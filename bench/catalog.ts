/**
 * Catalog read cost, hop by hop, in cluster mode:
 *
 *   node scripts/build.mjs   # the apps run from dist/, as deployed
 *   node --import @swc-node/register/esm-register bench/catalog.ts
 *
 * Spawns the user, product, cart and gateway apps from dist/ as processes on
 * MariaDB, RabbitMQ and Kafka, with a fresh namespace and databases, seeds
 * CATALOG_BENCH_PRODUCTS (default 10,000) demo products, then in the same run:
 *  1. through the gateway (HTTP -> gateway -> RabbitMQ RPC -> product service -> MariaDB), with autocannon,
 *     CATALOG_BENCH_SECONDS (default 8) each, CATALOG_BENCH_CONNECTIONS (default 10) connections:
 *     GET /api/v1/products?pageSize=20&categoryId=<a top category>&sort=price_asc and GET /api/v1/products/<id>;
 *  2. the same two reads as RPCs straight to product.rpc (no gateway): sequential, and with as many callers
 *     in parallel as (1) has connections;
 *  3. the product service's query alone: ProductsService.list/get in a loop, in this process, on a product
 *     service booted with bootstrapService against the same database (in-process messaging, so it takes
 *     no RPCs from the queue);
 *  and sequential requests through the gateway for a like-for-like latency against (2) and (3).
 * Prints a table, cleans up (databases, RPC queues) and exits.
 */
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { CategoryView, ListProducts, Page, ProductSummary } from '@shop/contracts';
import { InProcessBroker, RmqRpcChannel, RpcClient, messagingOptionsFromEnv } from '@shop/messaging';
import { bootstrapService } from '@shop/platform';
import { ProductsService, productService } from '@shop/services/product';
import { type SpawnedProcess, createDatabases, dropDatabases, queryDatabase, spawnNode, uniqueName, waitForHttp } from '@shop/testing';
import amqp from 'amqplib';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: { url: string; connections: number; duration: number }) => Promise<CannonResult>;

const PRODUCTS = Number(process.env['CATALOG_BENCH_PRODUCTS'] ?? 10_000);
const SECONDS = Number(process.env['CATALOG_BENCH_SECONDS'] ?? 8);
const CONNECTIONS = Number(process.env['CATALOG_BENCH_CONNECTIONS'] ?? 10);
const LOOP_MS = 2_500;
const root = resolve(import.meta.dirname, '..');
const APPS = ['user', 'product', 'cart', 'gateway'] as const;

const namespace = uniqueName('benchcat').replace(/-/g, '');
const prefix = `${namespace}_`;
const databases = ['user', 'product', 'cart'].map((s) => `${prefix}${s}`);
const processes: SpawnedProcess[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

async function cleanup(): Promise<void> {
  for (const c of cleanups.reverse()) await c().catch((err: unknown) => console.error('cleanup:', err instanceof Error ? err.message : err));
  await Promise.all(processes.map((p) => p.stop('SIGTERM', 10_000)));
  await dropDatabases(databases).catch(() => undefined);
  const conn = await amqp.connect(process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672').catch(() => undefined);
  if (conn) {
    const ch = await conn.createChannel();
    for (const s of ['user', 'product', 'cart', 'gateway', 'order', 'notification']) await ch.deleteQueue(`${namespace}.${s}.rpc`).catch(() => undefined);
    await conn.close().catch(() => undefined);
  }
}

// Never hang: whatever happens, clean up and exit within the deadline.
const deadline = setTimeout(() => {
  console.error('catalog bench: did not finish within 300 s');
  void cleanup().finally(() => process.exit(1));
}, 300_000);
deadline.unref();

function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

interface Row {
  what: string;
  path: string;
  mode: string;
  perSecond: number;
  p50: number;
  p99: number;
  note?: string;
}

/** Calls `fn` back to back from `parallel` callers for `ms`; per-call latencies in ms. */
async function loop(fn: () => Promise<unknown>, ms: number, parallel = 1): Promise<{ perSecond: number; p50: number; p99: number }> {
  for (let i = 0; i < 20; i++) await fn(); // warm-up
  const samples: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() - started < ms) {
        const t0 = performance.now();
        await fn();
        samples.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = performance.now() - started;
  samples.sort((a, b) => a - b);
  return { perSecond: (samples.length / elapsed) * 1000, p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

try {
  for (const app of APPS) {
    if (!existsSync(resolve(root, `dist/apps/${app}/src/main.js`))) throw new Error(`dist/apps/${app}/src/main.js is missing: run \`node scripts/build.mjs\` first`);
  }
  await createDatabases(databases);
  const port: Record<string, number> = {};
  for (const app of APPS) port[app] = await freePort();
  const env: NodeJS.ProcessEnv = {
    SHOP_NAMESPACE: namespace,
    DB_NAME_PREFIX: prefix,
    ADMIN_EMAIL: 'bench.admin@bench.test',
    ADMIN_PASSWORD: 'saffron-glacier-compass-81',
    RATE_LIMIT_PER_USER: '1000000000',
    RATE_LIMIT_AUTH_PER_IP: '1000000000',
    RATE_LIMIT_LOGIN_PER_ACCOUNT: '1000000000',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    LOG_LEVEL: 'warn',
  };
  const seedStarted = Date.now();
  for (const app of APPS) {
    processes.push(spawnNode(resolve(root, `dist/apps/${app}/src/main.js`), { ...env, HTTP_PORT: String(port[app]), ...(app === 'product' ? { SEED_DEMO_PRODUCTS: String(PRODUCTS) } : {}) }));
  }
  for (const app of APPS) await waitForHttp(`http://127.0.0.1:${port[app]}/health/ready`, { timeoutMs: 90_000 });
  const gateway = `http://127.0.0.1:${port['gateway']}`;
  const getJson = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${gateway}${path}`);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  // The seed runs after the product app listens: wait for all of it.
  for (;;) {
    const { total } = await getJson<Page<ProductSummary>>('/api/v1/products?pageSize=1');
    if (total >= PRODUCTS) break;
    if (Date.now() - seedStarted > 200_000) throw new Error(`only ${total} of ${PRODUCTS} products seeded`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const seedSeconds = (Date.now() - seedStarted) / 1000;
  // Let the cart finish applying the seed's events (product.created and stock.changed per product), so it does not compete for the CPU.
  const caughtUp = async () => Number((await queryDatabase<{ n: number }>(`${prefix}cart`, 'SELECT COUNT(*) AS n FROM inbox'))[0]!.n) >= 2 * PRODUCTS;
  const waitStarted = Date.now();
  while (!(await caughtUp()) && Date.now() - waitStarted < 120_000) await new Promise((r) => setTimeout(r, 1_000));
  const cartNote = (await caughtUp()) ? 'the cart had applied every seed event' : 'the cart was still applying seed events';

  const top = (await getJson<CategoryView[]>('/api/v1/categories')).find((c) => !c.parentId)!;
  const query: ListProducts = { pageSize: 20, categoryId: top.id, sort: 'price_asc' };
  const listPath = `/api/v1/products?pageSize=20&categoryId=${top.id}&sort=price_asc`;
  const probe = await getJson<Page<ProductSummary>>(listPath);
  const productId = probe.items[0]!.id;
  const getPath = `/api/v1/products/${productId}`;

  // The product service alone, on the same database: no broker, no HTTP (its own namespace and in-process messaging).
  const alone = await bootstrapService(productService, {
    env: { ...process.env, ...env, SHOP_NAMESPACE: `${namespace}alone`, SHOP_TRANSPORT: 'in-process', RESERVATION_SWEEP_INTERVAL_MS: '3600000', DB_MIGRATE_ON_BOOT: 'false' },
    broker: new InProcessBroker(),
    httpPort: 0,
    logger: false,
  });
  cleanups.push(() => alone.close());
  const products = alone.app.get(ProductsService);
  const check = await products.list(undefined, query);
  if (check.total !== probe.total || check.items[0]!.id !== productId) throw new Error('the service alone does not see the same catalog');

  // RPC straight to product.rpc, as the gateway sends it (anonymous).
  const options = messagingOptionsFromEnv('gateway', { ...process.env, ...env, SHOP_TRANSPORT: 'broker' });
  const rpc = new RpcClient(options, (queue) => new RmqRpcChannel(options, queue));
  cleanups.push(() => rpc.onApplicationShutdown());

  const rows: Row[] = [];
  const reads = [
    { what: 'list', path: listPath, service: () => products.list(undefined, query), viaRpc: () => rpc.send('product.list', query, { token: null }) },
    { what: 'get', path: getPath, service: () => products.get(undefined, productId), viaRpc: () => rpc.send('product.get', { idOrSlug: productId }, { token: null }) },
  ];
  for (const r of reads) {
    rows.push({ what: r.what, path: 'service alone (ProductsService)', mode: 'sequential', ...(await loop(r.service, LOOP_MS)) });
    rows.push({ what: r.what, path: 'RPC to product.rpc (RabbitMQ)', mode: 'sequential', ...(await loop(r.viaRpc, LOOP_MS)) });
    rows.push({ what: r.what, path: 'RPC to product.rpc (RabbitMQ)', mode: `${CONNECTIONS} parallel`, ...(await loop(r.viaRpc, LOOP_MS, CONNECTIONS)) });
    rows.push({
      what: r.what,
      path: 'HTTP via gateway',
      mode: 'sequential',
      ...(await loop(async () => {
        const res = await fetch(`${gateway}${r.path}`);
        if (res.status !== 200) throw new Error(`${r.path}: ${res.status}`);
        await res.arrayBuffer();
      }, LOOP_MS)),
    });
    const cannon = await autocannon({ url: `${gateway}${r.path}`, connections: CONNECTIONS, duration: SECONDS });
    rows.push({
      what: r.what,
      path: 'HTTP via gateway (autocannon)',
      mode: `${CONNECTIONS} connections, ${SECONDS} s`,
      perSecond: cannon.requests.average,
      p50: cannon.latency.p50,
      p99: cannon.latency.p99,
      note: cannon.non2xx || cannon.errors || cannon.timeouts ? `non-2xx ${cannon.non2xx}, errors ${cannon.errors}, timeouts ${cannon.timeouts}` : undefined,
    });
  }

  console.log(`\nCatalog reads, cluster mode (dist apps, MariaDB, RabbitMQ, Kafka), ${PRODUCTS} demo products seeded in ${seedSeconds.toFixed(0)} s (${cartNote})`);
  console.log(`list = GET ${listPath.replace(top.id, `<${top.name}>`)} (${probe.total} matches); get = GET /api/v1/products/<id>\n`);
  console.log(['read', 'path', 'mode', 'req/s', 'p50 ms', 'p99 ms', ''].map((h, i) => (i < 3 ? h.padEnd([6, 34, 24][i]!) : h.padStart(9))).join(''));
  for (const r of rows) {
    console.log([r.what.padEnd(6), r.path.padEnd(34), r.mode.padEnd(24), r.perSecond.toFixed(0).padStart(9), r.p50.toFixed(2).padStart(9), r.p99.toFixed(2).padStart(9), r.note ? `  ${r.note}` : ''].join(''));
  }
  console.log('\n(autocannon reports latency in whole milliseconds)');
  await cleanup();
  clearTimeout(deadline);
  process.exit(0);
} catch (err) {
  console.error(err);
  for (const p of processes) console.error(p.output().slice(-2_000));
  await cleanup();
  process.exit(1);
}
