import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProductSummary, newId } from '@shop/contracts';
import { RpcClient } from '@shop/messaging';
import { eventually, waitForHttp, freePort } from '@shop/testing';
import { parse, stringify } from 'yaml';
import { type Account, type Shop, startShop } from '../catalog/shop.js';
import { ALERTS_FILE, ROOT, dashboardQueries } from './prometheus.js';

/**
 * Prometheus itself (Debian's package) with compose's configuration (targets
 * from the discovery service, the alert rules loaded) scraping the all-in-one
 * platform under traffic: every target up with its service label, every rule
 * evaluated without error, every dashboard query accepted, and the main
 * panels showing data.
 */

const PROMETHEUS = '/usr/bin/prometheus';

/** Panels that must show data after the traffic below (the order panels wait for the order flow). */
const MUST_SHOW_DATA = [
  'shop-overview.json panel "Instances up"',
  'shop-overview.json panel "Gateway requests/s"',
  'shop-overview.json panel "Gateway p95 latency"',
  'shop-overview.json panel "HTTP requests/s by app"',
  'shop-overview.json panel "Event-loop lag p99"',
  'shop-red.json panel "Requests/s by route"',
  'shop-red.json panel "p95 duration by route"',
  'shop-red.json panel "Requests/s by pattern"',
  'shop-red.json panel "p95 handling time by pattern"',
  'shop-red.json panel "Calls/s by pattern"',
  'shop-red.json panel "Errors/s by pattern and code"',
  'shop-messaging.json panel "Outbox rows waiting"',
  'shop-messaging.json panel "Events published/s by type"',
  'shop-messaging.json panel "Events consumed/s by type and outcome"',
  'shop-business.json panel "Logins/min by outcome"',
  'shop-business.json panel "Stock reservations/min by outcome"',
  'shop-business.json variable $service',
];


interface QueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

describe('Prometheus scraping the platform with the repository configuration, rules and dashboards', () => {
  let shop: Shop;
  let customer: Account;
  let prometheus: ChildProcess | undefined;
  let log = '';
  let dir: string;
  let promUrl: string;
  let rpc: RpcClient;
  let productId: string;

  const query = async (expr: string): Promise<QueryResult> => (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).json() as Promise<QueryResult>;

  const traffic = async () => {
    const page = await shop.http<{ items: ProductSummary[] }>('GET', '/products?pageSize=3');
    for (const p of page.body.items) await shop.http('GET', `/products/${p.slug}`);
    await shop.http('GET', '/products/no-such-product');
    await shop.http('GET', '/cart', { token: customer.token });
    await shop.http('POST', '/auth/login', { body: { email: 'nobody@prometheus.test', password: 'wrong-wrong-wrong-1' } });
    await rpc.send('product.reserveStock', { orderId: newId(), lines: [{ productId, quantity: 1 }] });
  };

  beforeAll(async () => {
    if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} is missing: install Debian's prometheus package (apt-get install -y prometheus) to run this test`);
    shop = await startShop({ SEED_DEMO_PRODUCTS: '3' });
    customer = await shop.account(['CUSTOMER']);
    // An event through the outbox and the cart's inbox, and a stock reservation.
    rpc = shop.service('gateway').app.get(RpcClient);
    const product = await rpc.send('product.create', { name: 'Prometheus Lamp', price: { amount: 4200, currency: 'EUR' }, stock: 100_000 });
    productId = product.id;
    await eventually(() => rpc.send('cart.productSnapshot', { productId }), { what: 'the cart snapshot of the product' });

    // docker/prometheus/prometheus.yml, pointed at this platform's discovery and the repository's rules, scraping every second.
    dir = mkdtempSync(join(tmpdir(), 'shop-prom-live-'));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const config = parse(readFileSync(join(ROOT, 'docker/prometheus/prometheus.yml'), 'utf8')) as {
      global: Record<string, string>;
      rule_files: string[];
      scrape_configs: Array<{ http_sd_configs?: Array<{ url: string; refresh_interval: string }>; static_configs?: Array<{ targets: string[] }> }>;
    };
    config.global = { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
    config.rule_files = [ALERTS_FILE];
    for (const job of config.scrape_configs) {
      for (const sd of job.http_sd_configs ?? []) {
        sd.url = `${shop.service('discovery').url}/sd/prometheus`;
        sd.refresh_interval = '1s';
      }
      for (const sc of job.static_configs ?? []) sc.targets = [`127.0.0.1:${port}`];
    }
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    prometheus = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    prometheus.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    await waitForHttp(`${promUrl}/-/ready`, { timeoutMs: 30_000 }).catch((err: unknown) => {
      throw new Error(`prometheus did not start: ${String(err)}\n${log.slice(-3_000)}`);
    });
    // Traffic over several scrapes, so that rate() has samples to work on.
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      await traffic();
      await new Promise((r) => setTimeout(r, 250));
    }
    await eventually(async () => ((await query('sum(rate(shop_http_requests_total{service="gateway"}[15s]))')).data?.result[0]?.value[1] ?? '0') !== '0', { timeoutMs: 20_000, intervalMs: 500, what: 'gateway traffic in Prometheus' });
  }, 120_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r));
      prometheus.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
    }
    await shop?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes every app, its targets and series labelled with the app name (no exported_service copy)', async () => {
    // Targets come from discovery's HTTP SD, refreshed every second: wait until each app has registered and been scraped.
    const want = shop.platform.services.map((s) => [s.name, '1']).sort();
    const upNow = async () => (await query('up{service!=""}')).data!.result.map((r) => [r.metric['service'], r.value[1]]).sort();
    await eventually(async () => (JSON.stringify(await upNow()) === JSON.stringify(want) ? true : undefined), { timeoutMs: 20_000, intervalMs: 500, what: 'every app up in Prometheus' }).catch(() => undefined);
    expect(await upNow()).toEqual(want);
    expect((await query('count by (service) (process_cpu_seconds_total{service!=""})')).data!.result.length).toBe(shop.platform.services.length);
    expect((await query('{exported_service!=""}')).data!.result).toEqual([]);
  });

  it('evaluates every alert rule without error, and none of them fires on a healthy platform', async () => {
    const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string; state?: string }> }> } };
    const all = rules.data.groups.flatMap((g) => g.rules);
    expect(all.length).toBeGreaterThanOrEqual(10);
    await eventually(async () => {
      const again = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as typeof rules;
      return again.data.groups.flatMap((g) => g.rules).every((r) => r.health !== 'unknown');
    }, { timeoutMs: 10_000, intervalMs: 500, what: 'every rule evaluated once' });
    const evaluated = ((await (await fetch(`${promUrl}/api/v1/rules`)).json()) as typeof rules).data.groups.flatMap((g) => g.rules);
    expect(evaluated.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([]);
    expect(evaluated.filter((r) => r.state === 'firing').map((r) => r.name)).toEqual([]);
  });

  it('accepts every dashboard query, and the main panels show data', async () => {
    const grafana = (expr: string) => expr.replace(/\$__rate_interval|\$__interval/g, '15s').replace(/\$__range/g, '5m').replace(/\$\{?service\}?/g, '.*');
    // Traffic goes on while the panels are read: a rate over the last 15 s of a platform gone quiet
    // since the traffic of beforeAll (the tests above may take that long) is 0, and a p95 is NaN.
    let running = true;
    const background = (async () => {
      while (running) {
        await traffic();
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const hasData = (res: QueryResult) => res.data!.result.some((r) => r.value[1] !== 'NaN');
    const empty: string[] = [];
    try {
      for (const q of dashboardQueries()) {
        const res = await query(grafana(q.expr));
        expect(res.status, `${q.where}: ${res.error ?? ''}`).toBe('success');
        if (hasData(res)) continue;
        const shows = MUST_SHOW_DATA.includes(q.where) && (await eventually(async () => hasData(await query(grafana(q.expr))) || undefined, { timeoutMs: 10_000, intervalMs: 500, what: q.where }).catch(() => false));
        if (!shows) empty.push(q.where);
      }
    } finally {
      running = false;
      await background;
    }
    expect(MUST_SHOW_DATA.filter((w) => empty.includes(w))).toEqual([]);
  });
});
