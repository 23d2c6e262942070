import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { InstanceView, PrometheusTargetGroup, RegistryView } from '@shop/discovery-client';
import { type SpawnedProcess, eventually, spawnNode, uniqueName, waitForHttp, freePortBlock } from '@shop/testing';

const root = resolve(import.meta.dirname, '../..');
const TTL_MS = 2_000;
const HEARTBEAT_MS = 300;

/**
 * Discovery with real processes (in-process transport and in-memory SQLite:
 * nothing but Node): two discovery replicas, two apps registered with both.
 * Freezing an app with SIGSTOP, stopping it with SIGTERM and killing a
 * replica are things only separate processes can show.
 */
describe('discovery: registration, heartbeats, eviction and deregistration of real processes', () => {
  const namespace = uniqueName('disc');
  const base = freePortBlock(10);
  const port = { a: base, b: base + 1, order: base + 2, notification: base + 3 };
  const url = { a: `http://127.0.0.1:${port.a}`, b: `http://127.0.0.1:${port.b}` };
  const common = {
    SHOP_TRANSPORT: 'in-process',
    DB_DRIVER: 'sqlite',
    DB_SQLITE_DIR: ':memory:',
    CONFIG_URL: 'none',
    SHOP_NAMESPACE: namespace,
    DISCOVERY_URLS: `${url.a},${url.b}`,
    DISCOVERY_HEARTBEAT_MS: String(HEARTBEAT_MS),
    DISCOVERY_FETCH_MS: '300',
    LOG_LEVEL: 'log',
    APP_VERSION: '9.8.7-test',
  };
  const replicaEnv = (p: number) => ({ ...common, HTTP_PORT: String(p), DISCOVERY_TTL_MS: String(TTL_MS), DISCOVERY_HEALTH_INTERVAL_MS: '300', DISCOVERY_HEALTH_TIMEOUT_MS: '400' });
  const procs: Record<string, SpawnedProcess> = {};
  const spawnApp = (name: 'order' | 'notification') => (procs[name] = spawnNode(resolve(root, `apps/${name}/src/main.ts`), { ...common, HTTP_PORT: String(port[name]) }));
  const spawnReplica = (name: 'a' | 'b') => (procs[name] = spawnNode(resolve(root, 'apps/discovery/src/main.ts'), replicaEnv(port[name])));

  const instances = async (replica: string, service: string): Promise<InstanceView[]> => {
    const res = await fetch(`${replica}/registry/services/${service}`);
    return ((await res.json()) as { instances: InstanceView[] }).instances.filter((i) => i.metadata['namespace'] === namespace);
  };

  beforeAll(async () => {
    spawnReplica('a');
    spawnReplica('b');
    spawnApp('order');
    spawnApp('notification');
    await Promise.all([port.a, port.b, port.order, port.notification].map((p) => waitForHttp(`http://127.0.0.1:${p}/health/live`, { timeoutMs: 45_000 })));
  }, 60_000);

  afterAll(async () => {
    for (const p of Object.values(procs)) {
      try {
        process.kill(p.pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await Promise.all(Object.values(procs).map((p) => p.stop('SIGKILL')));
  });

  it('every app registers with every replica: name, instance id, version, address, health URL, status and metadata', async () => {
    for (const replica of [url.a, url.b]) {
      const [order] = await eventually(async () => {
        const list = await instances(replica, 'order');
        return list.length === 1 ? list : undefined;
      }, { timeoutMs: 10_000, what: `order registered with ${replica}` });
      expect(order).toMatchObject({
        service: 'order',
        instanceId: `127.0.0.1:order:${port.order}`,
        version: '9.8.7-test',
        host: '127.0.0.1',
        port: port.order,
        healthUrl: `http://127.0.0.1:${port.order}/health/ready`,
        status: 'UP',
        metadata: { namespace, pid: String(procs['order']!.pid) },
      });
      await eventually(async () => (await instances(replica, 'notification')).length === 1, { timeoutMs: 10_000, what: 'notification registered' });
      // The replicas register too (with each other and themselves).
      await eventually(async () => (await instances(replica, 'discovery')).length === 2, { timeoutMs: 10_000, what: 'both replicas registered' });
    }
  });

  it('heartbeats keep the last heartbeat fresh without changing the registry version', async () => {
    const first = (await (await fetch(`${url.a}/registry`)).json()) as RegistryView;
    const before = first.instances.find((i) => i.service === 'order' && i.metadata['namespace'] === namespace)!;
    await new Promise((r) => setTimeout(r, HEARTBEAT_MS * 3));
    const after = (await instances(url.a, 'order'))[0]!;
    expect(Date.parse(after.lastHeartbeat)).toBeGreaterThan(Date.parse(before.lastHeartbeat));
    const etag = (await fetch(`${url.a}/registry`)).headers.get('etag')!;
    await new Promise((r) => setTimeout(r, HEARTBEAT_MS * 2));
    expect((await fetch(`${url.a}/registry`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('a frozen app (SIGSTOP) is marked DOWN by its health check, evicted after the TTL, and registers again when it resumes', async () => {
    const order = procs['order']!;
    const stoppedAt = Date.now();
    process.kill(order.pid, 'SIGSTOP');
    try {
      const down = await eventually(async () => {
        const [i] = await instances(url.a, 'order');
        return i?.status === 'DOWN' ? i : undefined;
      }, { timeoutMs: 5_000, intervalMs: 50, what: 'order marked DOWN' });
      const downAfter = Date.now() - stoppedAt;
      expect(down.statusReason).toMatch(/health check timed out/);
      await eventually(async () => (await instances(url.a, 'order')).length === 0 && (await instances(url.b, 'order')).length === 0, { timeoutMs: 8_000, intervalMs: 50, what: 'order evicted by both replicas' });
      const evictedAfter = Date.now() - stoppedAt;
      console.log(`[measure] frozen instance: DOWN after ${downAfter} ms, evicted after ${evictedAfter} ms (TTL ${TTL_MS} ms, heartbeat ${HEARTBEAT_MS} ms)`);
      // Not before the TTL since the last heartbeat (at most one heartbeat interval before the freeze).
      expect(evictedAfter).toBeGreaterThanOrEqual(TTL_MS - HEARTBEAT_MS);
      expect(evictedAfter).toBeLessThan(TTL_MS + 1_500);
      const metrics = await (await fetch(`${url.a}/metrics`)).text();
      expect(metrics).toMatch(/shop_discovery_evictions_total\{registered_service="order"[^}]*\} [1-9]/);
    } finally {
      process.kill(order.pid, 'SIGCONT');
    }
    const back = await eventually(async () => {
      const [i] = await instances(url.a, 'order');
      return i?.status === 'UP' ? i : undefined;
    }, { timeoutMs: 5_000, what: 'order registered again after SIGCONT' });
    expect(back.instanceId).toBe(`127.0.0.1:order:${port.order}`);
    expect(order.output()).toMatch(/discovery forgot this instance/);
  });

  it('marks DOWN an instance that heartbeats but whose health check fails, and UP again when it recovers', async () => {
    let healthy = false;
    const server: Server = createServer((_req, res) => {
      res.statusCode = healthy ? 200 : 503;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const hport = (server.address() as AddressInfo).port;
    const id = `127.0.0.1:cart:${hport}`;
    const beat = setInterval(() => void fetch(`${url.b}/registry/instances/cart/${encodeURIComponent(id)}`, { method: 'PUT' }).catch(() => undefined), HEARTBEAT_MS);
    try {
      const res = await fetch(`${url.b}/registry/instances`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ service: 'cart', instanceId: id, version: 't', host: '127.0.0.1', port: hport, healthUrl: `http://127.0.0.1:${hport}/health/ready`, metadata: { namespace } }),
      });
      expect(res.status).toBe(201);
      const down = await eventually(async () => (await instances(url.b, 'cart')).find((i) => i.status === 'DOWN'), { timeoutMs: 5_000, what: 'cart marked DOWN' });
      expect(down.statusReason).toBe('health check answered 503');
      healthy = true;
      await eventually(async () => (await instances(url.b, 'cart')).find((i) => i.status === 'UP'), { timeoutMs: 5_000, what: 'cart UP again' });
    } finally {
      clearInterval(beat);
      server.close();
    }
  });

  it('refuses a health URL that points anywhere but the instance itself', async () => {
    const res = await fetch(`${url.b}/registry/instances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'cart', instanceId: 'x', version: 't', host: '127.0.0.1', port: 1234, healthUrl: 'http://169.254.169.254/latest/meta-data' }),
    });
    expect(res.status).toBe(400);
  });

  it('serves Prometheus HTTP SD: a JSON list of target groups, one per live instance, with valid labels', async () => {
    const res = await fetch(`${url.b}/sd/prometheus`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const groups = (await res.json()) as PrometheusTargetGroup[];
    expect(Array.isArray(groups)).toBe(true);
    for (const g of groups) {
      expect(Object.keys(g).sort()).toEqual(['labels', 'targets']);
      expect(g.targets.every((t) => /^[^\s/]+:\d+$/.test(t))).toBe(true);
      for (const [k, v] of Object.entries(g.labels)) {
        expect(k).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
        expect(typeof v).toBe('string');
      }
    }
    const ours = groups.filter((g) => g.labels['namespace'] === namespace);
    expect(ours.map((g) => g.labels['service']).sort()).toEqual(expect.arrayContaining(['discovery', 'discovery', 'notification', 'order']));
    expect(ours.find((g) => g.labels['service'] === 'notification')!.targets).toEqual([`127.0.0.1:${port.notification}`]);
  });

  it('any replica keeps the full view while another is down, and a restarted replica learns every app again', async () => {
    await procs['a']!.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, TTL_MS + 500));
    // The apps' heartbeats to b go on while a refuses connections: nothing is evicted there.
    expect((await instances(url.b, 'notification')).map((i) => i.status)).toEqual(['UP']);
    expect((await instances(url.b, 'order')).map((i) => i.status)).toEqual(['UP']);
    spawnReplica('a');
    await waitForHttp(`${url.a}/health/live`, { timeoutMs: 30_000 });
    await eventually(async () => (await instances(url.a, 'notification')).length === 1 && (await instances(url.a, 'order')).length === 1, { timeoutMs: 5_000, what: 'apps registered again with the restarted replica' });
  });

  it('SIGTERM deregisters the app at once, long before the TTL would evict it', async () => {
    const notification = procs['notification']!;
    expect(await notification.stop('SIGTERM')).toBe(0);
    const exitedAt = Date.now();
    const [a, b] = await Promise.all([instances(url.a, 'notification'), instances(url.b, 'notification')]);
    expect(Date.now() - exitedAt).toBeLessThan(TTL_MS / 2);
    expect(a).toEqual([]);
    expect(b).toEqual([]);
    expect(notification.output()).toMatch(/deregistered from discovery/);
  });
});
