import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type SpawnedProcess, eventually, spawnNode, uniqueName, waitForHttp, freePortBlock } from '@shop/testing';

const root = resolve(import.meta.dirname, '../..');
const PROMETHEUS = '/usr/bin/prometheus';

interface Target {
  labels: Record<string, string>;
  health: 'up' | 'down' | 'unknown';
  scrapeUrl: string;
}

/** Prometheus itself (Debian's package) discovering the apps through GET /sd/prometheus and scraping them. */
describe('Prometheus scrapes every live instance found through discovery', () => {
  const namespace = uniqueName('prom');
  const base = freePortBlock(10);
  const port = { discovery: base, notification: base + 1, prometheus: base + 2 };
  const discoveryUrl = `http://127.0.0.1:${port.discovery}`;
  const common = { SHOP_TRANSPORT: 'in-process', DB_DRIVER: 'sqlite', DB_SQLITE_DIR: ':memory:', CONFIG_URL: 'none', SHOP_NAMESPACE: namespace, DISCOVERY_URLS: discoveryUrl, DISCOVERY_HEARTBEAT_MS: '300' };
  const procs: SpawnedProcess[] = [];
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} is missing: install Debian's prometheus package (apt-get install -y prometheus) to run this test`);
    procs.push(spawnNode(resolve(root, 'apps/discovery/src/main.ts'), { ...common, HTTP_PORT: String(port.discovery) }));
    procs.push(spawnNode(resolve(root, 'apps/notification/src/main.ts'), { ...common, HTTP_PORT: String(port.notification) }));
    dir = mkdtempSync(join(tmpdir(), 'shop-prometheus-'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: shop',
        '    http_sd_configs:',
        `      - url: ${discoveryUrl}/sd/prometheus`,
        '        refresh_interval: 1s',
        '',
      ].join('\n'),
    );
    await Promise.all([port.discovery, port.notification].map((p) => waitForHttp(`http://127.0.0.1:${p}/health/live`, { timeoutMs: 45_000 })));
    prometheus = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port.prometheus}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stdout!.on('data', (c: Buffer) => (prometheusLog += c.toString()));
    prometheus.stderr!.on('data', (c: Buffer) => (prometheusLog += c.toString()));
    await waitForHttp(`http://127.0.0.1:${port.prometheus}/-/ready`, { timeoutMs: 30_000 }).catch((err: unknown) => {
      throw new Error(`prometheus did not start: ${String(err)}\n${prometheusLog.slice(-3_000)}`);
    });
  }, 90_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r));
      prometheus.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      prometheus.kill('SIGKILL');
    }
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the apps through the SD endpoint, labels them, and scrapes their /metrics', async () => {
    const targets = await eventually(
      async () => {
        const body = (await (await fetch(`http://127.0.0.1:${port.prometheus}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: Target[] } };
        const ours = body.data.activeTargets.filter((t) => t.labels['namespace'] === namespace);
        return ours.length === 2 && ours.every((t) => t.health === 'up') ? ours : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'both apps scraped by Prometheus' },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${prometheusLog.slice(-3_000)}`);
    });
    const notification = targets.find((t) => t.labels['service'] === 'notification')!;
    expect(notification.scrapeUrl).toBe(`http://127.0.0.1:${port.notification}/metrics`);
    expect(notification.labels).toMatchObject({ job: 'shop', instance_id: `127.0.0.1:notification:${port.notification}` });
    const query = await eventually(async () => {
      const q = (await (await fetch(`http://127.0.0.1:${port.prometheus}/api/v1/query?query=${encodeURIComponent(`process_resident_memory_bytes{namespace="${namespace}"}`)}`)).json()) as { data: { result: Array<{ metric: Record<string, string> }> } };
      return q.data.result.length === 2 ? q.data.result : undefined;
    }, { timeoutMs: 10_000, intervalMs: 500, what: 'scraped samples' });
    expect(query.map((r) => r.metric['service']).sort()).toEqual(['discovery', 'notification']);
  });
});
