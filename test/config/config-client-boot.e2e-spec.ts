import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RunningService, bootstrapService } from '@shop/platform';
import { configService } from '@shop/services/config';
import { type SpawnedProcess, eventually, spawnNode, waitForHttp, freePortBlock } from '@shop/testing';

const root = resolve(import.meta.dirname, '../..');
const entry = resolve(root, 'apps/notification/src/main.ts');

/**
 * The config client at an app's boot, in real processes: retry with backoff
 * then fail-fast; or start from the cached copy and catch up once the server
 * answers; placeholders the app cannot resolve; the log level applied live.
 */
describe('config client: boot, fail-fast, cache, placeholders and a live log level', () => {
  const base = freePortBlock(10);
  const configPort = base;
  const configUrl = `http://127.0.0.1:${configPort}`;
  let dir: string;
  let configDir: string;
  let server: RunningService | undefined;
  const procs: SpawnedProcess[] = [];
  const appEnv = (port: number, extra: Record<string, string> = {}) => ({
    SHOP_TRANSPORT: 'in-process',
    DB_DRIVER: 'sqlite',
    DB_SQLITE_DIR: ':memory:',
    DISCOVERY_URLS: 'none',
    CONFIG_URL: configUrl,
    CONFIG_CACHE_DIR: join(dir, 'cache'),
    CONFIG_POLL_MS: '300',
    LOG_LEVEL: '',
    HTTP_PORT: String(port),
    ...extra,
  });
  const startServer = async () => {
    server = await bootstrapService(configService, { env: { SHOP_TRANSPORT: 'in-process', CONFIG_DIR: configDir, CONFIG_STATE_FILE: 'none', CONFIG_SCAN_MS: '200', DISCOVERY_URLS: 'none' }, httpPort: configPort, logger: false });
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'shop-config-boot-'));
    configDir = join(dir, 'files');
    mkdirSync(configDir);
    writeFileSync(join(configDir, 'application.yaml'), 'log:\n  level: warn\ndemo:\n  step: 1\n');
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fail-fast: retries with backoff, then refuses to start without its configuration', async () => {
    const started = Date.now();
    const app = spawnNode(entry, appEnv(base + 1, { CONFIG_FAIL_FAST: 'true', CONFIG_RETRY_ATTEMPTS: '4', CONFIG_RETRY_INITIAL_MS: '150' }));
    procs.push(app);
    const code = await Promise.race([app.exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
    expect(code).not.toBe(0);
    expect(code).not.toBe('still running');
    expect(app.output()).toMatch(/config server http:\/\/127\.0\.0\.1:\d+ could not be reached after 4 attempts \(CONFIG_FAIL_FAST=true\)/);
    // Three waits of 150, 300 and 600 ms (plus jitter) between the four attempts.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_050);
  });

  it('without fail-fast: starts from the cached copy, then takes the server configuration when the server answers', async () => {
    mkdirSync(join(dir, 'cache'), { recursive: true });
    const cached = { name: 'notification', profiles: ['dev'], version: 'cachedversion01', revision: 7, properties: { 'log.level': 'warn', 'demo.step': 0 }, sources: [] };
    writeFileSync(join(dir, 'cache', 'notification-dev.json'), JSON.stringify(cached));
    const port = base + 2;
    const app = spawnNode(entry, appEnv(port, { CONFIG_RETRY_ATTEMPTS: '2' }));
    procs.push(app);
    await waitForHttp(`http://127.0.0.1:${port}/health/live`, { timeoutMs: 30_000 });
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(/shop_config_info\{version="cachedversion01",origin="cache",profile="dev"[^}]*\} 1/);
    expect(app.output()).toMatch(/starting from the cached copy/);
    await startServer();
    const version = ((await (await fetch(`${configUrl}/config/notification/dev`)).json()) as { version: string }).version;
    await eventually(async () => (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).includes(`shop_config_info{version="${version}",origin="server"`), { timeoutMs: 5_000, what: 'the app on the server version' });
  });

  it('applies the log level live: a refresh logged at "log" is silent at warn and printed once the file says log', async () => {
    const port = base + 3;
    const app = spawnNode(entry, appEnv(port));
    procs.push(app);
    await waitForHttp(`http://127.0.0.1:${port}/health/live`, { timeoutMs: 30_000 });
    expect(app.output()).toMatch(/configuration loaded/);
    writeFileSync(join(configDir, 'application.yaml'), 'log:\n  level: warn\ndemo:\n  step: 2\n');
    const v2 = await eventually(async () => {
      const s = (await (await fetch(`${configUrl}/config/notification/dev`)).json()) as { version: string; properties: Record<string, unknown> };
      return s.properties['demo.step'] === 2 ? s.version : undefined;
    }, { timeoutMs: 5_000, what: 'step 2 served' });
    await eventually(async () => (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).includes(`version="${v2}"`), { timeoutMs: 5_000, what: 'the app on step 2' });
    expect(app.output()).not.toMatch(/configuration refreshed/);
    writeFileSync(join(configDir, 'application.yaml'), 'log:\n  level: log\ndemo:\n  step: 3\n');
    // One JSON line: the fields, then the message (pino writes msg last).
    await app.waitForOutput(/"applied":\["log\.level"\][^\n]*"msg":"configuration refreshed"/, 5_000);
  });

  it('refuses to boot when a placeholder names a variable the app does not have and gives no default', async () => {
    writeFileSync(join(configDir, 'notification.yaml'), 'demo:\n  password: ${NOTIFICATION_SMTP_PASSWORD_FOR_TEST}\n');
    await eventually(async () => JSON.stringify(await (await fetch(`${configUrl}/config/notification/dev`)).json()).includes('NOTIFICATION_SMTP_PASSWORD_FOR_TEST'), { timeoutMs: 5_000, what: 'the placeholder served' });
    const app = spawnNode(entry, appEnv(base + 4));
    procs.push(app);
    const code = await Promise.race([app.exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
    expect(code).not.toBe(0);
    expect(app.output()).toMatch(/demo\.password: the environment variable NOTIFICATION_SMTP_PASSWORD_FOR_TEST is not set/);
    const withSecret = spawnNode(entry, appEnv(base + 5, { NOTIFICATION_SMTP_PASSWORD_FOR_TEST: 'hunter2' }));
    procs.push(withSecret);
    await waitForHttp(`http://127.0.0.1:${base + 5}/health/live`, { timeoutMs: 30_000 });
  });
});
