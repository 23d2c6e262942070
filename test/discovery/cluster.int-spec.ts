import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import amqp from 'amqplib';
import type { ConfigAnnouncement } from '@shop/config-client';
import { type SpawnedProcess, createDatabases, dropDatabases, eventually, spawnNode, uniqueName, waitForHttp, freePortBlock } from '@shop/testing';

const root = resolve(import.meta.dirname, '../..');
const RPC_TIMEOUT_MS = 3_000;
const RABBITMQ_URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

const applicationYaml = (perAccount: number) => `
log:
  level: log
rate-limit:
  auth:
    per-ip: 1000
  login:
    per-account: ${perAccount}
`;

/**
 * The cluster mode (the built apps as separate processes, RabbitMQ, Kafka,
 * MariaDB) with discovery and config: the gateway's fast 503, a config change
 * announced on the RabbitMQ fanout reaching every app, and traffic going on
 * while discovery and config are down.
 */
describe('cluster: discovery and config across processes', () => {
  const namespace = uniqueName('dc').replace(/-/g, '');
  const dbPrefix = `${namespace}_`;
  const base = freePortBlock(10);
  const port = { gateway: base, product: base + 2, discovery: base + 6, config: base + 7 };
  const gateway = `http://127.0.0.1:${port.gateway}`;
  const configUrl = `http://127.0.0.1:${port.config}`;
  const procs = new Map<string, SpawnedProcess>();
  let dir: string;
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  const announcements: ConfigAnnouncement[] = [];

  const env = () => ({
    SHOP_TRANSPORT: 'broker',
    SHOP_NAMESPACE: namespace,
    DB_NAME_PREFIX: dbPrefix,
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    SEED_DEMO_PRODUCTS: '3',
    RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS),
    CONFIG_URL: configUrl,
    CONFIG_DIR: join(dir, 'config'),
    CONFIG_STATE_FILE: 'none',
    CONFIG_CACHE_DIR: join(dir, 'cache'),
    // No polling to speak of: a refresh in this test can only come from the fanout announcement.
    CONFIG_POLL_MS: '600000',
    DISCOVERY_URLS: `http://127.0.0.1:${port.discovery}`,
    DISCOVERY_HEARTBEAT_MS: '300',
    DISCOVERY_FETCH_MS: '300',
    DISCOVERY_STALE_AFTER_MS: '2000',
    LOG_LEVEL: '',
  });
  const start = (app: keyof typeof port) => procs.set(app, spawnNode(resolve(root, `dist/apps/${app}/src/main.js`), { ...env(), HTTP_PORT: String(port[app]) }));
  const login = async (email: string) => {
    const started = performance.now();
    const res = await fetch(`${gateway}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'not-the-password-1' }) });
    return { status: res.status, ms: performance.now() - started, body: (await res.json()) as { code?: string } };
  };
  let accounts = 0;
  const loginStatuses = async (n: number) => {
    const email = `someone-${++accounts}@cluster.test`;
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await login(email)).status);
    return out;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shop-dc-cluster-'));
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'application.yaml'), applicationYaml(10));
    writeFileSync(join(dir, 'config', 'discovery.yaml'), 'discovery:\n  ttl-ms: 3000\n  health-interval-ms: 500\n');
    await createDatabases([`${dbPrefix}product`]);
    connection = await amqp.connect(RABBITMQ_URL);
    channel = await connection.createChannel();
    await channel.assertExchange(`${namespace}.config.changes`, 'fanout', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, `${namespace}.config.changes`, '');
    await channel.consume(queue, (m) => m && announcements.push(JSON.parse(m.content.toString()) as ConfigAnnouncement), { noAck: true });
    start('config');
    start('discovery');
    await Promise.all([waitForHttp(`${configUrl}/health/ready`, { timeoutMs: 60_000 }), waitForHttp(`http://127.0.0.1:${port.discovery}/health/ready`, { timeoutMs: 60_000 })]);
    start('product');
    start('gateway');
    await Promise.all([waitForHttp(`http://127.0.0.1:${port.product}/health/ready`, { timeoutMs: 60_000 }), waitForHttp(`${gateway}/health/live`, { timeoutMs: 60_000 })]);
    // The gateway sees the product instance before the tests begin.
    await eventually(async () => (await fetch(`${gateway}/api/v1/products`)).status === 200, { timeoutMs: 20_000, what: 'the catalog through the gateway' });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...procs.values()].map((p) => p.stop('SIGKILL')));
    await channel?.deleteExchange(`${namespace}.config.changes`).catch(() => undefined);
    for (const q of [`${namespace}.product.rpc`]) await channel?.deleteQueue(q).catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await dropDatabases([`${dbPrefix}product`]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 within milliseconds for a service with no instance (the user service is not running), not after the RPC timeout', async () => {
    const calls = [];
    for (let i = 0; i < 5; i++) calls.push(await login(`fast-${i}@cluster.test`));
    console.log(`[measure] cluster gateway 503 for user (no instance): ${calls.map((c) => c.ms.toFixed(1)).join(', ')} ms (RPC timeout ${RPC_TIMEOUT_MS} ms)`);
    for (const c of calls) {
      expect(c.status).toBe(503);
      expect(c.body.code).toBe('SERVICE.UNAVAILABLE');
    }
    expect(Math.max(...calls.map((c) => c.ms))).toBeLessThan(300);
    const ready = await fetch(`${gateway}/health/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, unknown> }).checks['services']).toEqual({ status: 'down', error: 'no live instance of user' });
  });

  it('a file change is announced on the RabbitMQ fanout and in effect in every app within a second, with no restart', async () => {
    expect(await loginStatuses(3)).toEqual([503, 503, 503]);
    const apps = ['discovery', 'product', 'gateway'] as const;
    const versionOf = async (service: string) => ((await (await fetch(`${configUrl}/config/${service}/dev`)).json()) as { version: string }).version;
    const before = await Promise.all(apps.map(versionOf));
    const started = Date.now();
    writeFileSync(join(dir, 'config', 'application.yaml'), applicationYaml(2));
    const announced = await eventually(() => announcements.find((a) => a.keys.includes('rate-limit.login.per-account')), { timeoutMs: 5_000, intervalMs: 10, what: 'the announcement' });
    const announcedAfter = Date.now() - started;
    expect(announced).toMatchObject({ type: 'config.changed', cause: 'file', sources: ['application'], keys: ['rate-limit.login.per-account'] });
    const times: Record<string, number> = { announced: announcedAfter };
    await Promise.all(
      apps.map(async (app, i) => {
        const version = await versionOf(app);
        expect(version).not.toBe(before[i]);
        await eventually(async () => (await (await fetch(`http://127.0.0.1:${port[app]}/metrics`)).text()).includes(`shop_config_info{version="${version}",origin="server"`), { timeoutMs: 5_000, intervalMs: 10, what: `${app} on the new version` });
        times[app] = Date.now() - started;
      }),
    );
    console.log(`[measure] cluster, application.yaml change to every app via the RabbitMQ fanout, ms after the write: ${JSON.stringify(times)}`);
    expect(await loginStatuses(3)).toEqual([503, 503, 429]);
    expect(Math.max(...Object.values(times))).toBeLessThan(3_000);
  });

  it('traffic goes on while discovery and then config are down; the apps keep their registry copy and configuration', async () => {
    const probe = async (ms: number) => {
      const statuses: Record<number, number> = {};
      const latencies: number[] = [];
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const started = performance.now();
        const res = await fetch(`${gateway}/api/v1/products?pageSize=2`);
        await res.arrayBuffer();
        latencies.push(performance.now() - started);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 50));
      }
      latencies.sort((a, b) => a - b);
      return { statuses, p50: latencies[Math.floor(latencies.length / 2)]!.toFixed(1), max: latencies[latencies.length - 1]!.toFixed(1) };
    };
    expect(await procs.get('discovery')!.stop('SIGTERM')).toBe(0);
    // Past DISCOVERY_STALE_AFTER_MS (2 s): the copy is stale, so nothing is refused on its word any more.
    const withoutDiscovery = await probe(3_000);
    expect(await procs.get('config')!.stop('SIGTERM')).toBe(0);
    const withoutBoth = await probe(2_000);
    console.log(`[measure] cluster traffic (GET /api/v1/products every 50 ms): discovery down ${JSON.stringify(withoutDiscovery)}; discovery and config down ${JSON.stringify(withoutBoth)}`);
    expect(Object.keys(withoutDiscovery.statuses)).toEqual(['200']);
    expect(Object.keys(withoutBoth.statuses)).toEqual(['200']);
    // The configuration in effect stays (the login limit of 2 still applies), and the stale registry copy
    // no longer proves the user service missing: its calls are attempted again, and time out.
    expect(await loginStatuses(3)).toEqual([504, 504, 429]);
    // The apps say what happened, and keep running.
    expect(procs.get('gateway')!.output()).toMatch(/discovery replica unreachable; keeping the last registry seen/);
    expect((await fetch(`http://127.0.0.1:${port.product}/health/live`)).status).toBe(200);
  });
});
