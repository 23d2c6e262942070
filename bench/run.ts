/**
 * `npm run bench [-- --quick] [-- --url http://gateway:3000] [-- --out <dir>]`
 *
 * Brings up the cluster mode (every app its own process from dist/ on MariaDB,
 * RabbitMQ and Kafka, fresh namespace and databases) or uses a running one
 * (--url), seeds deterministic data, measures the baselines (a bare NestJS
 * route, the product service's handlers in process, argon2 verify alone) and
 * every storefront scenario through the gateway as a client would: a warm-up,
 * a fixed-concurrency run for the maximum, fixed-rate runs below it for the
 * latency. Writes JSON, Markdown and an SVG chart to bench/results/ (or --out).
 * Exits non-zero on any request error or app crash, never on speed.
 */
import 'reflect-metadata';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { hash, verify } from '@node-rs/argon2';
import type { CategoryView, ListProducts, Page, ProductSummary } from '@shop/contracts';
import { InProcessBroker, RmqRpcChannel, RpcClient, messagingOptionsFromEnv } from '@shop/messaging';
import { bootstrapService } from '@shop/platform';
import { ProductsService, productService } from '@shop/services/product';
import { PASSWORD_HASH_PARAMS } from '@shop/services/user';
import { freePort, queryDatabase, spawnNode } from '@shop/testing';
import { APP_NODE_OPTIONS, type Cluster, PROFILED, root, startCluster, useRunningCluster } from './lib/cluster.js';
import { type Flow, type Req, type RunResult, cannon, closedLoop, openLoop, percentile } from './lib/load.js';
import { summarizeProfile } from './lib/cpuprofile.js';
import { expectOk, expectOkStarting, http } from './lib/http.js';
import { EVENT_LOOP_P99, scrapeGauge } from './lib/metrics.js';
import { type Watched, cpuSnapshot, infraProcesses, rssMb } from './lib/procstat.js';
import { type BenchReport, LOAD_GENERATOR, type ScenarioResult, USER_MAIN_THREAD, renderMarkdown, renderSvg } from './lib/report.js';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, url: { type: 'string' }, out: { type: 'string' }, only: { type: 'string' }, profile: { type: 'boolean', default: false } } });
/** --only a,b: run only these scenarios (the bare baseline always runs: every ratio divides by it). */
const only = args.only ? new Set(['bare', ...args.only.split(',')]) : undefined;
const quick = args.quick!;
const P = {
  products: quick ? 1_000 : 10_000,
  customers: quick ? 100 : 1_000,
  /** Products with a large stock that carts and orders use. */
  pool: quick ? 50 : 200,
  warmS: quick ? 1 : 3,
  maxS: quick ? 3 : 10,
  rateS: quick ? 3 : 10,
  /** Fractions of the maximum for the fixed-rate runs; 0.5 is the one the targets read. */
  fractions: quick ? [0.5] : [0.25, 0.5, 0.75],
  connections: 32,
  loginConnections: 8,
  checkoutWorkers: 16,
};
const startedAt = new Date();
const loadAtStart = loadavg()[0]!;
const log = (s: string) => console.log(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s] ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const hardDeadline = setTimeout(
  () => {
    console.error('bench: did not finish within its deadline');
    void cluster?.stop().finally(() => process.exit(1));
  },
  (quick ? 8 : 30) * 60_000,
);
hardDeadline.unref();

// The code measured: the commit at start (edits made while the bench runs are not in the apps it started).
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'libs', 'apps', 'bench'], { cwd: root, encoding: 'utf8' }).trim()) commit += '+dirty';
} catch {
  // not a git checkout
}

let cluster: Cluster | undefined;
const problems: string[] = [];

/** Runs `fn` over `items` with `parallel` workers. */
async function pool<T>(items: T[], parallel: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

interface Customer {
  email: string;
  password: string;
  token: string;
  adds: number;
}

/** Idle RSS of the all-in-one app: one process, SQLite in a temp folder, its default demo data. */
async function allInOneIdleRss(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shop-bench-aio-'));
  try {
    const ports: Record<string, string> = {};
    for (const n of ['GATEWAY', 'DISCOVERY', 'CONFIG', 'USER', 'PRODUCT', 'CART', 'ORDER', 'NOTIFICATION']) ports[`${n}_HTTP_PORT`] = String(await freePort());
    const aio = spawnNode(resolve(root, 'dist/apps/all-in-one/src/main.js'), { ...ports, DB_SQLITE_DIR: dataDir, LOG_LEVEL: 'warn', NODE_OPTIONS: APP_NODE_OPTIONS });
    try {
      await aio.waitForOutput(/shop is up/, 180_000);
      await sleep(5_000);
      return rssMb(aio.pid);
    } finally {
      await aio.stop('SIGTERM');
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

try {
  // ---- the cluster and its data ---------------------------------------------------------------
  log(`${quick ? 'quick' : 'full'} run, ${cpus().length} CPU(s), Node ${process.version}`);
  const outDir = resolve(args.out ?? join(root, 'bench/results'));
  const base = join(outDir, `bench-${quick ? 'quick' : 'full'}-${startedAt.toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
  const profileDir = args.profile ? `${base}-profiles` : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  cluster = args.url ? await useRunningCluster(args.url, log) : await startCluster({ products: P.products, log, ...(profileDir ? { profileDir } : {}) });
  // Measured while the cluster seeds (it only competes for the CPU then), stopped before anything is timed.
  const allInOne = allInOneIdleRss().then(
    (mb) => (log(`all-in-one idle RSS: ${mb.toFixed(0)} MB`), mb),
    (err: unknown) => (problems.push(`all-in-one: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`), Number.NaN),
  );
  const bootRss: Record<string, number> = {};
  for (const a of cluster.apps) bootRss[a.name] = rssMb(a.pid);
  const gw = cluster.gateway;
  const api = `${gw}/api/v1`;
  const loadGenerator: Watched = { name: LOAD_GENERATOR, pid: process.pid };
  const watched: Watched[] = [...cluster.apps, ...infraProcesses(), loadGenerator];
  log(`watching ${watched.map((w) => `${w.name}(${w.pid})`).join(', ')}`);

  const adminToken = (await expectOkStarting('POST', `${api}/auth/login`, { body: cluster.admin })).accessToken as string;

  // Customers: registered and signed in before anything is measured (hashing would pollute the other scenarios).
  const runId = Date.now().toString(36);
  const customers: Customer[] = Array.from({ length: P.customers }, (_, i) => ({ email: `bench.${runId}.${i}@bench.test`, password: `cobalt-harbor-${i}-lantern-${runId}`, token: '', adds: 0 }));
  const registering = (async () => {
    const t0 = Date.now();
    await pool(customers, 6, async (c) => {
      await expectOkStarting('POST', `${api}/auth/register`, { body: { email: c.email, password: c.password, displayName: 'Bench Customer' } }, 409);
      c.token = (await expectOkStarting('POST', `${api}/auth/login`, { body: { email: c.email, password: c.password } })).accessToken;
    });
    log(`${customers.length} customers registered and signed in (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  })();

  // The seed runs after the product app listens: wait for all of it.
  const seedT0 = Date.now();
  let total = 0;
  for (;;) {
    total = (await expectOkStarting('GET', `${api}/products?pageSize=1`)).total;
    if (args.url || total >= P.products) break;
    if (Date.now() - seedT0 > 600_000) throw new Error(`only ${total} of ${P.products} products seeded`);
    await sleep(500);
  }
  log(`${total} products in the catalog (seed waited ${((Date.now() - seedT0) / 1000).toFixed(0)} s)`);
  await registering;
  if (cluster.spawned) {
    // Let the cart finish applying the seed's events (product.created and stock.changed each), so it does not compete for the CPU.
    const cartDb = `${cluster.spawned.prefix}cart`;
    const waitT0 = Date.now();
    const applied = async () => Number((await queryDatabase<{ n: number }>(cartDb, 'SELECT COUNT(*) AS n FROM inbox'))[0]!.n);
    while ((await applied()) < 2 * total && Date.now() - waitT0 < (quick ? 30_000 : 180_000)) await sleep(1_000);
    log(`cart inbox: ${await applied()} events applied (of ${2 * total} from the seed)`);
  }

  const categories = (await expectOk('GET', `${api}/categories`)) as CategoryView[];
  const tops = categories.filter((c) => !c.parentId);
  if (tops.length === 0) throw new Error('no top-level category to filter on');
  const ids: string[] = [];
  for (let page = 1; ids.length < Math.min(total, 2_000); page++) {
    const p = (await expectOk('GET', `${api}/products?pageSize=100&page=${page}&sort=name`)) as Page<ProductSummary>;
    if (p.items.length === 0) break;
    ids.push(...p.items.map((i) => i.id));
  }
  const stockPool = ids.slice(0, P.pool);
  await pool(stockPool, 8, async (id) => void (await expectOk('POST', `${api}/products/${id}/stock`, { token: adminToken, body: { mode: 'set', quantity: 1_000_000, reason: 'bench stock' } })));
  log(`${ids.length} product ids for reads, ${stockPool.length} with a stock of 1,000,000 for carts and orders`);

  // ---- the requests every scenario is made of -------------------------------------------------
  let seq = 0;
  const listReq = (): Req => {
    const n = seq++;
    return { method: 'GET', path: `/api/v1/products?pageSize=20&categoryId=${tops[n % tops.length]!.id}&sort=price_asc&page=${1 + ((n >> 3) % 5)}` };
  };
  const getReq = (): Req => ({ method: 'GET', path: `/api/v1/products/${ids[(seq++ * 7919) % ids.length]}` });
  let nextCustomer = 0;
  const customerAt = () => customers[nextCustomer++ % customers.length]!;
  const addReq = (c: Customer): Req => ({
    method: 'POST',
    path: '/api/v1/cart/items',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` },
    body: JSON.stringify({ productId: stockPool[(customers.indexOf(c) * 7 + c.adds++) % stockPool.length], quantity: 1 }),
  });
  const shippingAddress = { name: 'Bench Customer', line1: 'Teststrasse 1', city: 'Berlin', postalCode: '10115', country: 'DE' };
  const orderReq = (c: Customer): Req => ({
    method: 'POST',
    path: '/api/v1/orders',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}`, 'idempotency-key': `bench-${runId}-${seq++}` },
    body: JSON.stringify({ shippingAddress }),
  });
  const clearCarts = () => pool(customers, 16, async (c) => void (await expectOk('DELETE', `${api}/cart`, { token: c.token })));

  // One order first: the order flow answers before anything is measured.
  await expectOk('POST', `${api}/cart/items`, { token: customers[0]!.token, body: { productId: stockPool[0], quantity: 1 } });
  const probe = await http('POST', `${api}/orders`, { token: customers[0]!.token, body: { shippingAddress }, headers: { 'idempotency-key': `bench-${runId}-probe` } });
  if (probe.status !== 201) problems.push(`POST /api/v1/orders answered ${probe.status}: ${JSON.stringify(probe.json).slice(0, 200)}`);
  log(`orders: POST /api/v1/orders answered ${probe.status}`);
  await sleep(1_000);
  await clearCarts();

  /** Add an item, POST the order, poll until CONFIRMED: the latency from the POST to CONFIRMED. */
  const busy = new Set<Customer>();
  const checkoutFlow: Flow = async () => {
    let c = customerAt();
    for (let i = 0; busy.has(c) && i < customers.length; i++) c = customerAt();
    busy.add(c);
    try {
      const add = await http('POST', `${api}/cart/items`, { token: c.token, body: { productId: stockPool[(customers.indexOf(c) * 7 + c.adds++) % stockPool.length], quantity: 1 } });
      if (add.status !== 201 && add.status !== 200) throw new Error(`add to cart: ${add.status} ${add.json?.code ?? ''}`);
      const t0 = performance.now();
      const order = await http('POST', `${api}/orders`, { token: c.token, body: { shippingAddress }, headers: { 'idempotency-key': `bench-${runId}-${seq++}` } });
      if (order.status !== 201) throw new Error(`POST /orders: ${order.status} ${order.json?.code ?? ''}`);
      let status = order.json.status as string;
      // Poll like a client: soon at first, then less often (the error on the latency is at most the last delay).
      while (status !== 'CONFIRMED') {
        if (status === 'REJECTED') throw new Error('order REJECTED');
        const elapsed = performance.now() - t0;
        if (elapsed > 15_000) throw new Error(`order still ${status} after 15 s`);
        await sleep(Math.min(100, 10 + elapsed / 10));
        const got = await http('GET', `${api}/orders/${order.json.id}`, { token: c.token });
        if (got.status !== 200) throw new Error(`GET /orders/:id: ${got.status}`);
        status = got.json.status;
      }
      return performance.now() - t0;
    } finally {
      busy.delete(c);
    }
  };

  // ---- measuring ------------------------------------------------------------------------------
  const allInOneIdleMb = await allInOne;
  const apps = cluster.apps;
  const idleRss: Record<string, number> = {};
  // At rest: V8's memory reducer gives back the heap a burst grew (the seed's) only once nothing has been
  // allocated for a while, in steps some seconds apart (the user service after 300 registrations, two runs: 237 and
  // 218 MB at once, 237 and 133 MB 20 s later, 150 and 133 MB 60 s later). A minute without a request is what idle means here.
  const idleAfterS = quick ? 5 : 60;
  // CPU at rest over the end of that minute: what every request at a low rate also pays for (timers, polls, heartbeats).
  const idleCpuS = quick ? 3 : 20;
  await sleep((idleAfterS - idleCpuS) * 1_000);
  const restingFrom = cpuSnapshot(watched);
  await sleep(idleCpuS * 1_000);
  const restingTo = cpuSnapshot(watched);
  const idleCpu: Record<string, number> = {};
  for (const w of watched) idleCpu[w.name] = (restingTo.get(w.name)! - restingFrom.get(w.name)!) / idleCpuS;
  const idleAnon: Record<string, number> = {};
  for (const a of apps) [idleRss[a.name], idleAnon[a.name]] = [rssMb(a.pid), rssMb(a.pid, 'RssAnon')];
  log(`idle RSS (MB): ${Object.entries(idleRss).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
  log(`idle CPU (ms/s): ${Object.entries(idleCpu).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);

  const eventLoop = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    await Promise.all(apps.filter((a) => a.metricsUrl).map(async (a) => void (out[a.name] = (await scrapeGauge(a.metricsUrl!, EVENT_LOOP_P99)) * 1000)));
    return out;
  };
  interface Measured {
    run: RunResult;
    cpuMsPerRequest: Record<string, number>;
    eventLoopP99Ms: Record<string, number>;
  }
  async function measure(procs: Watched[], go: () => Promise<RunResult>): Promise<Measured> {
    await eventLoop(); // resets the apps' event-loop histograms
    const before = cpuSnapshot(procs);
    const run = await go();
    const after = cpuSnapshot(procs);
    const eventLoopP99Ms = await eventLoop();
    const cpuMsPerRequest: Record<string, number> = {};
    for (const p of procs) cpuMsPerRequest[p.name] = (after.get(p.name)! - before.get(p.name)!) / Math.max(1, run.completed);
    return { run, cpuMsPerRequest, eventLoopP99Ms };
  }

  const scenarios: ScenarioResult[] = [];
  interface Spec {
    name: string;
    title: string;
    /** Autocannon request generator, or a multi-step flow. */
    steps?: Array<(context: Record<string, unknown>) => Req>;
    flow?: Flow;
    url?: string;
    connections: number;
    before?: () => Promise<void>;
    extra?: Watched[];
    /** CPU only: parts of a watched process (its main thread). */
    threads?: Watched[];
    unit?: string;
  }
  const addScenario = (r: ScenarioResult | undefined) => void (r && scenarios.push(r));
  async function scenario(spec: Spec): Promise<ScenarioResult | undefined> {
    if (only && !only.has(spec.name)) return undefined;
    log(`scenario ${spec.name}: ${spec.title}`);
    const procs = [...watched, ...(spec.extra ?? []), ...(spec.threads ?? [])];
    const rssStart: Record<string, number> = {};
    for (const a of [...apps, ...(spec.extra ?? [])]) rssStart[a.name] = rssMb(a.pid);
    const url = spec.url ?? gw;
    const runOnce = async (mode: RunResult['mode'], seconds: number, rate?: number): Promise<RunResult> => {
      await spec.before?.();
      if (spec.flow) return rate ? openLoop(spec.flow, rate, seconds, spec.connections * 4) : closedLoop(spec.flow, spec.connections, seconds, mode);
      return cannon({ url, connections: spec.connections, seconds, ...(rate ? { rate } : {}), steps: spec.steps!, mode });
    };
    const loadBefore = loadavg()[0]!;
    const warm = await runOnce('warm-up', P.warmS);
    const max = await measure(procs, () => runOnce('max', P.maxS));
    const rates: Measured[] = [];
    for (const f of P.fractions) rates.push(await measure(procs, () => runOnce('rate', P.rateS, Math.max(1, max.run.perSecond * f))));
    const rssEnd: Record<string, number> = {};
    for (const a of [...apps, ...(spec.extra ?? [])]) rssEnd[a.name] = rssMb(a.pid);
    const half = rates[P.fractions.indexOf(0.5)]!;
    const r: ScenarioResult = {
      name: spec.name,
      title: spec.title,
      available: true,
      unit: spec.unit ?? 'req/s',
      warmUp: warm,
      max: max.run,
      half: half.run,
      rates: rates.map((m) => m.run),
      cpuMsPerRequest: max.cpuMsPerRequest,
      cpuMsPerRequestHalf: half.cpuMsPerRequest,
      eventLoopP99Ms: max.eventLoopP99Ms,
      eventLoopP99MsHalf: half.eventLoopP99Ms,
      rssStartMb: rssStart,
      rssEndMb: rssEnd,
      loadAverage: [loadBefore, loadavg()[0]!],
    };
    log(`  max ${max.run.perSecond.toFixed(1)} ${r.unit} (errors ${max.run.errors}); at ${half.run.targetRate!.toFixed(1)}/s: p50 ${half.run.latencyMs.p50} p99 ${half.run.latencyMs.p99} ms (errors ${half.run.errors})`);
    const errors = [warm, max.run, ...rates.map((m) => m.run)].reduce((n, x) => n + x.errors, 0);
    if (errors > 0) problems.push(`${spec.name}: ${errors} errors ${JSON.stringify([warm, max.run, ...rates.map((m) => m.run)].map((x) => x.statusCodes))}`);
    const crashed = cluster!.crashed();
    if (crashed.length) throw new Error(`apps crashed during ${spec.name}: ${crashed.join(', ')}`);
    return r;
  }

  // Baseline 1: a bare NestJS-on-Fastify route, its own process.
  const barePort = await freePort();
  const bare = spawnNode(resolve(root, 'bench/lib/bare-server.ts'), { BARE_PORT: String(barePort) });
  try {
    await bare.waitForOutput(/listening/, 60_000);
    addScenario(await scenario({ name: 'bare', title: 'baseline: bare NestJS-on-Fastify route, small JSON', url: `http://127.0.0.1:${barePort}`, steps: [() => ({ method: 'GET', path: '/bare' })], connections: P.connections, extra: [{ name: 'bare server', pid: bare.pid }] }));
  } finally {
    await bare.stop('SIGTERM');
  }

  // Baseline 2: argon2id verify alone, same parameters, as many in flight as login has connections.
  const stored = await hash(customers[0]!.password, PASSWORD_HASH_PARAMS);
  for (let i = 0; i < 5; i++) await verify(stored, customers[0]!.password);
  const t0 = performance.now();
  const seqRuns = quick ? 20 : 50;
  for (let i = 0; i < seqRuns; i++) await verify(stored, customers[0]!.password);
  const argonSequentialMs = (performance.now() - t0) / seqRuns;
  const argonRun = await closedLoop(async () => {
    const s = performance.now();
    if (!(await verify(stored, customers[0]!.password))) throw new Error('argon2 verify failed');
    return performance.now() - s;
  }, P.loginConnections, quick ? 2 : 5, 'max');
  log(`argon2id verify alone: ${argonSequentialMs.toFixed(1)} ms sequential, ${argonRun.perSecond.toFixed(1)}/s with ${P.loginConnections} in flight`);

  // Baseline 3: the product service's handlers without gateway and broker (in this process, same database).
  const handlers: BenchReport['baselines']['handlers'] = [];
  if (cluster.spawned) {
    const { namespace, env } = cluster.spawned;
    const alone = await bootstrapService(productService, {
      env: { ...process.env, ...env, SHOP_NAMESPACE: `${namespace}alone`, SHOP_TRANSPORT: 'in-process', SEED_DEMO_PRODUCTS: '0', RESERVATION_SWEEP_INTERVAL_MS: '3600000', DB_MIGRATE_ON_BOOT: 'false' },
      broker: new InProcessBroker(),
      httpPort: 0,
      logger: false,
    });
    const options = messagingOptionsFromEnv('gateway', { ...process.env, ...env, SHOP_TRANSPORT: 'broker' });
    const rpc = new RpcClient(options, (queue) => new RmqRpcChannel(options, queue));
    try {
      const products = alone.app.get(ProductsService);
      const query: ListProducts = { pageSize: 20, categoryId: tops[0]!.id, sort: 'price_asc' };
      const loopMs = quick ? 1_500 : 4_000;
      const timeLoop = async (fn: () => Promise<unknown>) => {
        for (let i = 0; i < 30; i++) await fn();
        const samples: number[] = [];
        const s0 = performance.now();
        while (performance.now() - s0 < loopMs) {
          const s = performance.now();
          await fn();
          samples.push(performance.now() - s);
        }
        samples.sort((a, b) => a - b);
        return { perSecond: (samples.length / (performance.now() - s0)) * 1000, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) };
      };
      handlers.push({ what: 'catalog list (ProductsService.list, in process)', ...(await timeLoop(() => products.list(undefined, query))) });
      handlers.push({ what: 'product by id (ProductsService.get, in process)', ...(await timeLoop(() => products.get(undefined, ids[0]!))) });
      handlers.push({ what: 'catalog list by RPC to product.rpc (no gateway)', ...(await timeLoop(() => rpc.send('product.list', query, { token: null }))) });
      handlers.push({ what: 'product by id by RPC to product.rpc (no gateway)', ...(await timeLoop(() => rpc.send('product.get', { idOrSlug: ids[0]! }, { token: null }))) });
    } finally {
      await rpc.onApplicationShutdown();
      await alone.close();
    }
    for (const h of handlers) log(`${h.what}: ${h.perSecond.toFixed(0)}/s sequential, p50 ${h.p50Ms.toFixed(2)} ms, p99 ${h.p99Ms.toFixed(2)} ms`);
  }

  // ---- the scenarios through the gateway ------------------------------------------------------
  const toggleProfiler = () => {
    for (const a of cluster!.apps.filter((x) => PROFILED.includes(x.name))) process.kill(a.pid, 'SIGUSR2');
  };
  if (profileDir) toggleProfiler(); // start: the profiles cover the scenarios below only
  addScenario(await scenario({ name: 'catalog-list', title: 'GET /products?pageSize=20&categoryId=<top>&sort=price_asc&page=1..5', steps: [listReq], connections: P.connections }));
  addScenario(await scenario({ name: 'product-by-id', title: 'GET /products/:id (over the first 2,000 ids)', steps: [getReq], connections: P.connections }));
  // Not a storefront flow: the cost of one hop through the gateway to a service (RabbitMQ, an indexed read), every write path's floor.
  addScenario(await scenario({ name: 'rpc-hop', title: 'GET /users/me (authenticated; gateway, RabbitMQ, user service, one read by key)', steps: [() => ({ method: 'GET', path: '/api/v1/users/me', headers: { authorization: `Bearer ${customerAt().token}` } })], connections: P.connections }));
  let loginAt = 0;
  addScenario(
    await scenario({
      name: 'login',
      title: `POST /auth/login over ${customers.length} customers`,
      steps: [
        () => {
          const c = customers[loginAt++ % customers.length]!;
          return { method: 'POST', path: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: c.email, password: c.password }) };
        },
      ],
      connections: P.loginConnections,
      // The user service's CPU without its hashing: the rest is the thread pool's argon2 and V8's helper threads.
      threads: apps.filter((a) => a.name === 'user').map((a) => ({ name: USER_MAIN_THREAD, pid: a.pid, mainThread: true })),
    }),
  );
  addScenario(await scenario({ name: 'add-to-cart', title: `POST /cart/items, spread over ${customers.length} customers (carts emptied before each run)`, steps: [() => addReq(customerAt())], connections: P.connections, before: clearCarts }));
  addScenario(await scenario({ name: 'checkout', title: 'add to cart, POST /orders, poll GET /orders/:id until CONFIRMED (latency POST -> CONFIRMED; rate runs open-loop)', flow: checkoutFlow, connections: P.checkoutWorkers, before: clearCarts, unit: 'orders/s' }));
  // Mixed storefront: each connection plays a visitor of 20 requests (11 list, 6 product, 2 add to cart, 1 checkout POST), then the next customer.
  const visit: Array<'list' | 'get' | 'add' | 'order'> = ['list', 'get', 'list', 'get', 'list', 'add', 'list', 'get', 'list', 'list', 'get', 'list', 'add', 'list', 'get', 'list', 'list', 'get', 'list', 'order'];
  // autocannon keeps a context per connection for one pass over the steps: one visit, one customer.
  const visitor = (ctx: Record<string, unknown>) => (ctx['customer'] ??= customerAt()) as Customer;
  const mixedSteps = visit.map((kind) => (ctx: Record<string, unknown>): Req => {
    if (kind === 'list') return listReq();
    if (kind === 'get') return getReq();
    if (kind === 'add') return addReq(visitor(ctx));
    return orderReq(visitor(ctx));
  });
  addScenario(
    await scenario({
      name: 'mixed',
      title: `storefront visits of 20 requests: 55% list, 30% product, 10% add to cart, 5% POST /orders`,
      steps: mixedSteps,
      connections: P.connections,
      before: clearCarts,
    }),
  );

  if (profileDir) {
    toggleProfiler(); // stop and write
    await sleep(3_000);
  }
  const endRss: Record<string, number> = {};
  for (const a of apps) endRss[a.name] = rssMb(a.pid);
  const crashed = cluster.crashed();
  const pidOf = new Map(cluster.apps.map((a) => [a.pid, a.name]));
  await cluster.stop();
  cluster = undefined;
  if (profileDir) {
    // Written by the apps when the profiler stopped: the scenarios through the gateway only.
    const lines = [`# CPU profiles (--cpu-prof), ${quick ? 'quick' : 'full'} run ${startedAt.toISOString()}, commit ${commit}, scenarios ${[...(only ?? ['all'])].join(', ')}`, '', 'Self time while the scenarios through the gateway ran (warm-ups, max and rate runs), not the start or the seed.', ''];
    for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
      const app = pidOf.get(Number(file.split('.')[2])) ?? file;
      const sum = summarizeProfile(join(profileDir, file));
      lines.push(`## ${app} (${sum.totalMs.toFixed(0)} ms of CPU sampled)`, '', '| self ms | share | package or file |', '| ---: | ---: | --- |');
      for (const h of sum.packages) lines.push(`| ${h.selfMs.toFixed(0)} | ${(h.share * 100).toFixed(1)}% | ${h.what} |`);
      lines.push('', '| self ms | share | function |', '| ---: | ---: | --- |');
      for (const h of sum.functions) lines.push(`| ${h.selfMs.toFixed(0)} | ${(h.share * 100).toFixed(1)}% | ${h.what.replace(/\|/g, '\\|')} |`);
      lines.push('');
    }
    writeFileSync(`${base}-profile.md`, lines.join('\n'));
    log(`wrote ${base}-profile.md`);
  }

  const report: BenchReport = {
    mode: quick ? 'quick' : 'full',
    startedAt: startedAt.toISOString(),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    commit,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', node: process.version, loadAverageAtStart: loadAtStart },
    target: args.url ? `running cluster at ${args.url}` : 'cluster mode spawned by the bench (dist/ apps, MariaDB, RabbitMQ, Kafka)',
    parameters: { ...P, productsInCatalog: total },
    baselines: { bareMaxPerSecond: scenarios[0]!.max!.perSecond, argon2: { sequentialMs: argonSequentialMs, perSecond: argonRun.perSecond, inFlight: P.loginConnections }, handlers },
    memory: { bootRssMb: bootRss, idleRssMb: idleRss, idleAnonMb: idleAnon, idleAfterS, endRssMb: endRss, allInOneIdleMb },
    idleCpu: { overS: idleCpuS, msPerS: idleCpu },
    scenarios,
    problems: [...problems, ...crashed.map((c) => `crashed: ${c}`)],
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2));
  writeFileSync(`${base}.svg`, renderSvg(report));
  const md = renderMarkdown(report, `${base.split('/').at(-1)}.svg`);
  writeFileSync(`${base}.md`, md);
  console.log(`\n${md}`);
  log(`wrote ${base}.{json,md,svg}`);
  if (report.problems.length) {
    console.error(`bench: ${report.problems.length} problem(s):\n${report.problems.join('\n')}`);
    process.exitCode = 1;
  }
} catch (err) {
  console.error('bench failed:', err);
  if (cluster) for (const app of ['gateway', 'product', 'cart', 'user', 'order']) console.error(`--- ${app} ---\n${cluster.output(app).slice(-1_500)}`);
  process.exitCode = 1;
} finally {
  await cluster?.stop().catch(() => undefined);
  clearTimeout(hardDeadline);
}
process.exit(process.exitCode ?? 0);
