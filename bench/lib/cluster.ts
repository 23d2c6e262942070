/**
 * The cluster the bench measures: every app its own process from dist/ on
 * MariaDB, RabbitMQ and Kafka, in a fresh namespace with fresh databases
 * (as test/cluster/*.e2e-spec.ts does), or a cluster someone else started (--url).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type SpawnedProcess, createDatabases, dropDatabases, freePort, spawnNode, uniqueName, waitForHttp } from '@shop/testing';
import amqp from 'amqplib';
import { type Watched, findAppProcess, listeningPorts } from './procstat.js';

/** The V8 flags the apps run with in their images (docker/Dockerfile's ENTRYPOINT) and in `npm start`. */
export const APP_NODE_OPTIONS = '--max-semi-space-size=2';
/** And the image's glibc setting (docker/Dockerfile). */
const CLUSTER_ENV = { NODE_OPTIONS: APP_NODE_OPTIONS, MALLOC_MMAP_THRESHOLD_: '131072' };
/** As in the image, no source maps. */
const APP_SPAWN = { sourceMaps: false };

export const root = resolve(import.meta.dirname, '../..');
/** Started first: the others register with the one and load their settings from the other. */
const PLATFORM = ['discovery', 'config'] as const;
/** Then these; the gateway last, once the services it calls listen. */
export const APPS = ['user', 'product', 'cart', 'order', 'notification', 'gateway'] as const;
const WITH_DATABASE = ['user', 'product', 'cart', 'order', 'notification'];

export interface Cluster {
  gateway: string;
  apps: Watched[];
  admin: { email: string; password: string };
  /** Spawned mode only: what the in-process baselines need to reach the same database and queues. */
  spawned?: { namespace: string; prefix: string; env: NodeJS.ProcessEnv };
  /** Apps that exited while they should be running (a crash). */
  crashed(): string[];
  output(app: string): string;
  stop(): Promise<void>;
}

/** The apps `--profile` profiles; SIGUSR2 starts and stops their profiler (bench/lib/cpu-profiler.mjs). */
export const PROFILED: readonly string[] = ['product', 'cart', 'gateway', 'user'];

/** `profileDir`: the profiled apps write their CPU profiles there. */
export async function startCluster(opts: { products: number; log: (s: string) => void; profileDir?: string }): Promise<Cluster> {
  for (const app of [...PLATFORM, ...APPS]) {
    if (!existsSync(resolve(root, `dist/apps/${app}/src/main.js`))) throw new Error(`dist/apps/${app}/src/main.js is missing: run \`node scripts/build.mjs\` first`);
  }
  const namespace = uniqueName('bench').replace(/-/g, '');
  const prefix = `${namespace}_`;
  const databases = WITH_DATABASE.map((s) => `${prefix}${s}`);
  await createDatabases(databases);
  const admin = { email: 'bench.admin@bench.test', password: 'saffron-glacier-compass-81' };
  const env: NodeJS.ProcessEnv = {
    SHOP_NAMESPACE: namespace,
    DB_NAME_PREFIX: prefix,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    // The limits protect a real deployment from abuse; the bench is one client on purpose.
    RATE_LIMIT_PER_USER: '1000000000',
    RATE_LIMIT_AUTH_PER_IP: '1000000000',
    RATE_LIMIT_LOGIN_PER_ACCOUNT: '1000000000',
    // Tokens are obtained before measuring and must outlive the run.
    AUTH_ACCESS_TTL_SECONDS: '7200',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    LOG_LEVEL: 'warn',
  };
  const port: Record<string, number> = {};
  for (const app of [...PLATFORM, ...APPS]) port[app] = await freePort();
  // Our own discovery and config servers, so that nothing registers with (or loads settings from) another run's.
  const scratch = mkdtempSync(join(tmpdir(), 'shop-bench-'));
  env['DISCOVERY_URLS'] = `http://127.0.0.1:${port['discovery']}`;
  env['CONFIG_URL'] = `http://127.0.0.1:${port['config']}`;
  env['CONFIG_CACHE_DIR'] = join(scratch, 'config-cache');
  const platformEnv: Record<string, NodeJS.ProcessEnv> = { config: { CONFIG_DIR: join(root, 'config'), CONFIG_STATE_FILE: join(scratch, 'config-state.json') }, discovery: {} };
  const processes = new Map<string, SpawnedProcess>();
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await Promise.all([...processes.values()].map((p) => p.stop('SIGTERM', 10_000)));
    await dropDatabases(databases).catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
    const conn = await amqp.connect(process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672').catch(() => undefined);
    if (conn) {
      const ch = await conn.createChannel();
      for (const s of ['user', 'product', 'cart', 'gateway', 'order', 'notification']) await ch.deleteQueue(`${namespace}.${s}.rpc`).catch(() => undefined);
      await conn.close().catch(() => undefined);
    }
  };
  try {
    for (const app of PLATFORM) {
      processes.set(app, spawnNode(resolve(root, `dist/apps/${app}/src/main.js`), { ...env, ...CLUSTER_ENV, ...platformEnv[app], HTTP_PORT: String(port[app]) }, [], APP_SPAWN));
      await waitForHttp(`http://127.0.0.1:${port[app]}/health/live`, { timeoutMs: 60_000 });
    }
    for (const app of APPS) {
      const profile = opts.profileDir && PROFILED.includes(app) ? { NODE_OPTIONS: `${APP_NODE_OPTIONS} --import=${pathToFileURL(join(root, 'bench/lib/cpu-profiler.mjs')).href}`, BENCH_CPU_PROF_DIR: opts.profileDir } : {};
      processes.set(app, spawnNode(resolve(root, `dist/apps/${app}/src/main.js`), { ...env, ...CLUSTER_ENV, ...profile, HTTP_PORT: String(port[app]), ...(app === 'product' ? { SEED_DEMO_PRODUCTS: String(opts.products) } : {}) }, [], APP_SPAWN));
    }
    // The gateway is ready once discovery sees every service healthy: the product service may be busy seeding for minutes.
    for (const app of APPS) await waitForHttp(`http://127.0.0.1:${port[app]}/health/ready`, { timeoutMs: 600_000 });
  } catch (err) {
    for (const [app, p] of processes) opts.log(`--- ${app} ---\n${p.output().slice(-2_000)}`);
    await stop();
    throw err;
  }
  opts.log(`cluster up: ${[...PLATFORM, ...APPS].map((a) => `${a}:${port[a]}`).join(' ')} (namespace ${namespace})`);
  return {
    gateway: `http://127.0.0.1:${port['gateway']}`,
    apps: [...PLATFORM, ...APPS].map((app) => ({ name: app, pid: processes.get(app)!.pid, metricsUrl: `http://127.0.0.1:${port[app]}/metrics` })),
    admin,
    spawned: { namespace, prefix, env },
    crashed: () => (stopping ? [] : [...processes].filter(([, p]) => p.child.exitCode !== null || p.child.signalCode !== null).map(([app, p]) => `${app} (exit ${p.child.exitCode ?? p.child.signalCode})`)),
    output: (app) => processes.get(app)?.output() ?? '',
    stop,
  };
}

/**
 * A cluster started elsewhere (`npm run cluster`): the apps are found by their command lines,
 * their metrics on the ports they listen on. The admin comes from ADMIN_EMAIL/ADMIN_PASSWORD.
 */
export async function useRunningCluster(url: string, log: (s: string) => void): Promise<Cluster> {
  await waitForHttp(`${url.replace(/\/$/, '')}/health/ready`, { timeoutMs: 10_000 });
  const email = process.env['ADMIN_EMAIL'];
  const password = process.env['ADMIN_PASSWORD'];
  if (!email || !password) throw new Error('--url needs ADMIN_EMAIL and ADMIN_PASSWORD of the running cluster (to set stock for the bench products)');
  const apps: Watched[] = [];
  for (const app of [...PLATFORM, ...APPS]) {
    const pid = findAppProcess(app);
    if (!pid) {
      log(`--url: no local process runs apps/${app}: its CPU, memory and event loop are not measured`);
      continue;
    }
    let metricsUrl: string | undefined;
    for (const p of listeningPorts(pid)) {
      const ok = await fetch(`http://127.0.0.1:${p}/health/live`).then((r) => r.ok, () => false);
      if (ok) {
        metricsUrl = `http://127.0.0.1:${p}/metrics`;
        break;
      }
    }
    apps.push({ name: app, pid, ...(metricsUrl ? { metricsUrl } : {}) });
  }
  return {
    gateway: url.replace(/\/$/, ''),
    apps,
    admin: { email, password },
    crashed: () => apps.filter((a) => !existsSync(`/proc/${a.pid}`)).map((a) => `${a.name} (gone)`),
    output: () => '',
    stop: () => Promise.resolve(),
  };
}
