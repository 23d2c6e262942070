import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveConfig } from '@shop/config-client';
import { eventually } from '@shop/testing';
import { type Platform, startPlatform } from '../../apps/all-in-one/src/platform.js';

const ADMIN = { email: 'admin@config.test', password: 'amber-orchard-compass-51' };
const CUSTOMER = { email: 'customer@config.test', password: 'silver-canyon-whistle-73', displayName: 'Customer' };

const FILES: Record<string, string> = {
  'application.yaml': `
demo:
  layer: application
  only-application: a
log:
  level: log
features:
  registration-open: true
rpc:
  timeout-ms: 5000
`,
  'application-dev.yaml': 'demo:\n  layer: application-dev\n',
  'application-test.yaml': 'demo:\n  layer: application-test\n  only-test: t\n',
  'gateway-dev.yaml': 'demo:\n  layer: gateway-dev\n',
  'gateway.yaml': gatewayYaml(10),
  'product.yaml': 'demo:\n  layer: product\n',
};

function gatewayYaml(perAccount: number | string): string {
  return `
demo:
  layer: gateway
  env-wins: from-file
  secret: \${DEMO_SECRET}
  with-default: \${DEMO_UNSET_VARIABLE:fallback-value}
rate-limit:
  auth:
    per-ip: 1000
  login:
    per-account: ${perAccount}
`;
}

type Served = { name: string; profiles: string[]; version: string; revision: number; properties: Record<string, unknown>; sources: Array<{ name: string }> };

/**
 * The config server and its clients in the all-in-one mode: the same files
 * and the same client as the cluster, announcements on the in-process broker.
 */
describe('config in the all-in-one mode: layering, placeholders, live refresh, refusal, audit and rollback', () => {
  let platform: Platform;
  let dataDir: string;
  let configDir: string;
  let configUrl: string;
  let adminToken: string;
  let adminId: string;

  const write = (file: string, content: string) => writeFileSync(join(configDir, file), content);
  const served = async (service: string, profile: string) => (await (await fetch(`${configUrl}/config/${service}/${profile}`)).json()) as Served;
  const app = (name: string) => platform.services.find((s) => s.name === name)!;
  const live = (name: string) => app(name).app.get(LiveConfig);
  const api = (path: string, body?: unknown, token?: string) =>
    fetch(`${platform.gatewayUrl}/api/v1${path}`, { method: body ? 'POST' : 'GET', headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const login = (email: string, password = 'wrong-password-for-sure-1') => api('/auth/login', { email, password });
  let emails = 0;
  /** Statuses of `n` logins with a wrong password for a fresh account: the login limit shows as the first 429. */
  const loginStatuses = async (n: number) => {
    const email = `nobody-${++emails}-${Date.now()}@config.test`;
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) statuses.push((await login(email)).status);
    return statuses;
  };
  const admin = (method: string, path: string, body?: unknown, token: string | null = adminToken) =>
    fetch(`${configUrl}/admin/config${path}`, { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });

  const revision = async () => ((await (await fetch(`${configUrl}/config/status`)).json()) as { revision: number }).revision;
  /**
   * After a change written at `started` (when the server was at revision
   * `from`): waits for the server's next revision, then for every app whose
   * configuration version changed to show it on its /metrics. Ms after `started`, by app.
   */
  const untilAppsFollow = async (started: number, from: number, before: Record<string, string>) => {
    await eventually(async () => (await revision()) > from, { timeoutMs: 5_000, intervalMs: 10, what: 'a new revision' });
    const times: Record<string, number | 'unchanged'> = { server: Date.now() - started };
    await Promise.all(
      platform.services
        .filter((s) => s.name !== 'config')
        .map(async (s) => {
          const version = (await served(s.name, 'dev')).version;
          if (version === before[s.name]) {
            times[s.name] = 'unchanged';
            return;
          }
          await eventually(async () => (await (await fetch(`${s.url}/metrics`)).text()).includes(`shop_config_info{version="${version}"`), { timeoutMs: 10_000, intervalMs: 10, what: `${s.name} on version ${version}` });
          times[s.name] = Date.now() - started;
        }),
    );
    return times;
  };
  const versions = async () => Object.fromEntries(await Promise.all(platform.services.map(async (s) => [s.name, (await served(s.name, 'dev')).version] as const)));

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shop-config-aio-'));
    configDir = mkdtempSync(join(tmpdir(), 'shop-config-files-'));
    for (const [file, content] of Object.entries(FILES)) write(file, content);
    platform = await startPlatform(
      { DB_SQLITE_DIR: dataDir, CONFIG_DIR: configDir, SEED_DEMO_PRODUCTS: '2', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, DEMO_SECRET: 's3cr3t-from-env', DEMO_ENV_WINS: 'from-env', CONFIG_SCAN_MS: '500' },
      { freePorts: true, logger: false },
    );
    configUrl = app('config').url;
    adminToken = ((await (await login(ADMIN.email, ADMIN.password)).json()) as { accessToken: string }).accessToken;
    adminId = ((await (await api('/users/me', undefined, adminToken)).json()) as { id: string }).id;
  });

  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  });

  it('merges every layer with its documented precedence and selects sources by profile', async () => {
    const gatewayDev = await served('gateway', 'dev');
    expect(gatewayDev.properties['demo.layer']).toBe('gateway-dev');
    expect(gatewayDev.sources.map((s) => s.name)).toEqual(['gateway-dev', 'application-dev', 'gateway', 'application']);
    expect(gatewayDev.properties['demo.only-application']).toBe('a');
    expect((await served('gateway', 'default')).properties['demo.layer']).toBe('gateway');
    expect((await served('product', 'dev')).properties['demo.layer']).toBe('application-dev');
    expect((await served('product', 'default')).properties['demo.layer']).toBe('product');
    expect((await served('cart', 'default')).properties['demo.layer']).toBe('application');
    const twoProfiles = await served('product', 'dev,test');
    expect(twoProfiles.properties['demo.layer']).toBe('application-test');
    expect(twoProfiles.properties['demo.only-test']).toBe('t');
    expect((await served('product', 'dev')).properties['demo.only-test']).toBeUndefined();
    // Each app loaded its own service and profile (SHOP_PROFILE defaults to dev), the environment over the files.
    expect(live('gateway').get('demo.layer')).toBe('gateway-dev');
    expect(live('product').get('demo.layer')).toBe('application-dev');
    expect(gatewayDev.properties['demo.env-wins']).toBe('from-file');
    expect(live('gateway').get('demo.env-wins')).toBe('from-env');
  });

  it('serves placeholders unresolved; each app resolves them from its own environment, and caches only the unresolved copy', async () => {
    const res = await fetch(`${configUrl}/config/gateway/dev`);
    const text = await res.text();
    expect(text).not.toContain('s3cr3t-from-env');
    const body = JSON.parse(text) as Served;
    expect(body.properties['demo.secret']).toBe('${DEMO_SECRET}');
    expect(body.properties['demo.with-default']).toBe('${DEMO_UNSET_VARIABLE:fallback-value}');
    expect(live('gateway').get('demo.secret')).toBe('s3cr3t-from-env');
    expect(live('gateway').get('demo.with-default')).toBe('fallback-value');
    const cacheDir = join(dataDir, 'config-cache');
    const cached = readdirSync(cacheDir).map((f) => readFileSync(join(cacheDir, f), 'utf8'));
    expect(cached.some((c) => c.includes('${DEMO_SECRET}'))).toBe(true);
    expect(cached.some((c) => c.includes('s3cr3t-from-env'))).toBe(false);
  });

  it('answers 304 to If-None-Match with the current version, and a long poll after its wait', async () => {
    const first = await fetch(`${configUrl}/config/gateway/dev`);
    const etag = first.headers.get('etag')!;
    expect(etag).toBe(`"${((await first.json()) as Served).version}"`);
    expect((await fetch(`${configUrl}/config/gateway/dev`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const started = Date.now();
    const watch = await fetch(`${configUrl}/config/gateway/dev/watch?version=${etag.replace(/"/g, '')}&waitMs=300`);
    expect(watch.status).toBe(304);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('a login rate limit changed in a file is in effect at the gateway within seconds, with no restart', async () => {
    expect(await loginStatuses(3)).toEqual([401, 401, 401]);
    const before = await served('gateway', 'dev');
    const watch = fetch(`${configUrl}/config/gateway/dev/watch?version=${before.version}&waitMs=10000`);
    const [from, previous] = [await revision(), await versions()];
    const started = Date.now();
    write('gateway.yaml', gatewayYaml(2));
    const watched = await watch;
    expect(watched.status).toBe(200);
    const after = (await watched.json()) as Served;
    expect(after.properties['rate-limit.login.per-account']).toBe(2);
    const times = await untilAppsFollow(started, from, previous);
    expect(await loginStatuses(3)).toEqual([401, 401, 429]);
    console.log(`[measure] all-in-one, gateway.yaml login limit 10 -> 2, ms after the write: ${JSON.stringify(times)}`);
    expect(times['gateway']).toBeLessThan(3_000);
    expect(Object.entries(times).filter(([, t]) => t !== 'unchanged').map(([name]) => name).sort()).toEqual(['gateway', 'server']);
  });

  it('an invalid file changes nothing: the last good version is served and applied, the error is in the status and the metrics', async () => {
    const good = await served('gateway', 'dev');
    write('gateway.yaml', 'rate-limit:\n  login: [unclosed\n');
    const status = await eventually(async () => {
      const s = (await (await fetch(`${configUrl}/config/status`)).json()) as { valid: boolean; revision: number; lastError?: { errors: string[] } };
      return s.valid ? undefined : s;
    }, { timeoutMs: 5_000, what: 'the broken file refused' });
    expect(status.lastError!.errors.join()).toMatch(/gateway\.yaml: invalid YAML/);
    expect(status.revision).toBe(good.revision);
    expect((await served('gateway', 'dev')).version).toBe(good.version);
    const metrics = await (await fetch(`${configUrl}/metrics`)).text();
    expect(metrics).toMatch(/shop_config_source_valid\{[^}]*\} 0/);
    expect(metrics).toMatch(/shop_config_reloads_total\{outcome="refused"[^}]*\} [1-9]/);
    // A well-formed file with a value its schema refuses is refused the same way.
    write('gateway.yaml', gatewayYaml(-3));
    await eventually(async () => {
      const s = (await (await fetch(`${configUrl}/config/status`)).json()) as { lastError?: { errors: string[] } };
      return s.lastError?.errors.some((e) => e.includes('rate-limit.login.per-account must be at least 1, got -3'));
    }, { timeoutMs: 5_000, what: 'the schema-invalid file refused' });
    expect((await served('gateway', 'dev')).version).toBe(good.version);
    expect(live('gateway').int('rate-limit.login.per-account', 0)).toBe(2);
    expect(await loginStatuses(3)).toEqual([401, 401, 429]);
    write('gateway.yaml', gatewayYaml(2));
    await eventually(async () => ((await (await fetch(`${configUrl}/config/status`)).json()) as { valid: boolean }).valid, { timeoutMs: 5_000, what: 'valid again' });
    expect((await served('gateway', 'dev')).revision).toBe(good.revision);
  });

  it('a feature flag and a log level changed in application.yaml reach every app; a non-refreshable key waits for a restart', async () => {
    expect((await api('/auth/register', CUSTOMER)).status).toBe(201);
    const [from, previous] = [await revision(), await versions()];
    const started = Date.now();
    write('application.yaml', FILES['application.yaml']!.replace('registration-open: true', 'registration-open: false').replace('level: log', 'level: debug').replace('timeout-ms: 5000', 'timeout-ms: 6000'));
    const times = await untilAppsFollow(started, from, previous);
    console.log(`[measure] all-in-one, application.yaml change (flag, log level, rpc timeout), ms after the write: ${JSON.stringify(times)}`);
    expect(Object.values(times).every((t) => t !== 'unchanged' && t < 3_000)).toBe(true);
    const closed = await api('/auth/register', { ...CUSTOMER, email: 'late@config.test' });
    expect(closed.status).toBe(403);
    expect(await closed.json()).toMatchObject({ detail: 'registration is closed for now' });
    for (const s of platform.services.filter((x) => x.name !== 'config')) {
      expect({ app: s.name, level: live(s.name).get('log.level') }).toEqual({ app: s.name, level: 'debug' });
      // rpc.timeout-ms is read once at boot: the running app keeps its value and says it needs a restart.
      expect({ app: s.name, timeout: live(s.name).get('rpc.timeout-ms'), pending: [...live(s.name).pendingRestart] }).toEqual({ app: s.name, timeout: '5000', pending: ['rpc.timeout-ms'] });
    }
    expect(await (await fetch(`${app('gateway').url}/metrics`)).text()).toMatch(/shop_config_restart_required\{[^}]*\} 1/);
    write('application.yaml', FILES['application.yaml']!);
    await eventually(async () => (await api('/auth/register', { ...CUSTOMER, email: 'later@config.test' })).status === 201, { timeoutMs: 5_000, what: 'registration open again' });
  });

  it('an admin update through the API is applied, audited (who, when, which keys, why) and refused to anyone else', async () => {
    const update = { set: { 'rate-limit.login.per-account': 5 }, reason: 'incident 42: relax logins' };
    expect((await admin('PATCH', '/sources/gateway', update, null)).status).toBe(401);
    const customerToken = ((await (await login(CUSTOMER.email, CUSTOMER.password)).json()) as { accessToken: string }).accessToken;
    expect((await admin('PATCH', '/sources/gateway', update, customerToken)).status).toBe(403);
    expect((await admin('GET', '/audit', undefined, customerToken)).status).toBe(403);
    const invalid = await admin('PATCH', '/sources/gateway', { set: { 'rate-limit.login.per-account': 'lots' } });
    expect(invalid.status).toBe(400);
    const before = Date.now();
    const res = await admin('PATCH', '/sources/gateway', update);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { revision: number; entry: { changes: unknown[] } };
    expect(body.entry.changes).toEqual([{ source: 'gateway', key: 'rate-limit.login.per-account', before: 2, after: 5 }]);
    const [audit] = (await (await admin('GET', '/audit')).json()) as Array<{ at: string; actor: { userId: string }; action: string; keys: string[]; reason: string; revision: number }>;
    expect(audit).toMatchObject({ actor: { userId: adminId }, action: 'update', keys: ['gateway:rate-limit.login.per-account'], reason: update.reason, revision: body.revision });
    expect(Date.parse(audit!.at)).toBeGreaterThanOrEqual(before - 1_000);
    expect((await served('gateway', 'dev')).properties['rate-limit.login.per-account']).toBe(5);
    await eventually(() => live('gateway').int('rate-limit.login.per-account', 0) === 5, { timeoutMs: 3_000, what: 'the gateway on the admin value' });
    expect(await loginStatuses(6)).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('rolls back to an earlier revision from the history, audited, and the apps follow', async () => {
    const history = (await (await admin('GET', '/history')).json()) as Array<{ revision: number; cause: string; changes: Array<{ key: string }> }>;
    const [latest, previous] = history;
    expect(latest).toMatchObject({ cause: 'admin', changes: [{ key: 'rate-limit.login.per-account' }] });
    const res = await admin('POST', '/rollback', { revision: previous!.revision, reason: 'undo incident 42' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { revision: number; entry: { cause: string; restored: number; changes: unknown[] } };
    expect(body.entry).toMatchObject({ cause: 'rollback', restored: previous!.revision, changes: [{ source: 'gateway', key: 'rate-limit.login.per-account', before: 5, after: 2 }] });
    expect((await served('gateway', 'dev')).properties['rate-limit.login.per-account']).toBe(2);
    await eventually(() => live('gateway').int('rate-limit.login.per-account', 0) === 2, { timeoutMs: 3_000, what: 'the gateway back on 2' });
    expect(await loginStatuses(3)).toEqual([401, 401, 429]);
    const [audit] = (await (await admin('GET', '/audit')).json()) as Array<{ action: string; restored: number; actor: { userId: string }; reason: string }>;
    expect(audit).toMatchObject({ action: 'rollback', restored: previous!.revision, actor: { userId: adminId }, reason: 'undo incident 42' });
    expect((await admin('POST', '/rollback', { revision: 99_999 })).status).toBe(404);
  });
});
