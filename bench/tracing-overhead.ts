/**
 * What tracing costs on a simple gateway route: two all-in-one processes from
 * dist/ (build first), one with OTEL_TRACES_EXPORTER=otlp exporting to an
 * OTLP/HTTP receiver run here, one with tracing off, loaded in turn with
 * autocannon on `GET /api/v1/products/<slug>` (gateway HTTP -> in-process RPC
 * -> product service -> SQLite).
 *
 *   node scripts/build.mjs && node --import @swc-node/register/esm-register bench/tracing-overhead.ts
 *
 * Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 20),
 * BENCH_ROUNDS (default 2: off, on, off, on), LOG_LEVEL (default warn).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SERVICE_NAMES } from '@shop/contracts';
import { type SpawnedProcess, spawnNode, startOtlpReceiver, waitForHttp } from '@shop/testing';

const root = resolve(import.meta.dirname, '..');
const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 20);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 2);

interface Autocannon {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

const otlp = await startOtlpReceiver();
const dirs: string[] = [];
const apps: SpawnedProcess[] = [];

async function start(tracing: boolean, base: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `shop-bench-${tracing ? 'on' : 'off'}-`));
  dirs.push(dir);
  const ports = Object.fromEntries(SERVICE_NAMES.map((n, i) => [`${n.toUpperCase()}_HTTP_PORT`, String(base + i)]));
  const app = spawnNode(resolve(root, 'dist/apps/all-in-one/src/main.js'), {
    ...ports,
    DB_SQLITE_DIR: dir,
    DEMO_PRODUCTS: '20',
    SEED_DEMO_ACCOUNTS: 'false',
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
    RATE_LIMIT_PER_USER: '100000000',
    ...(tracing ? { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url } : { OTEL_TRACES_EXPORTER: 'none' }),
  });
  apps.push(app);
  const gateway = `http://127.0.0.1:${ports['GATEWAY_HTTP_PORT']}`;
  await waitForHttp(`${gateway}/health/ready`, { timeoutMs: 90_000 });
  return gateway;
}

// Asynchronous: the OTLP receiver in this process must keep answering the exporter meanwhile.
async function load(url: string): Promise<Autocannon> {
  const { stdout } = await promisify(execFile)(resolve(root, 'node_modules/.bin/autocannon'), ['-j', '-d', String(seconds), '-c', String(connections), url], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as Autocannon;
}

try {
  const base = 27000 + Math.floor(Math.random() * 200) * 20;
  const off = await start(false, base);
  const on = await start(true, base + 10);
  const page = (await (await fetch(`${off}/api/v1/products?pageSize=1`)).json()) as { items: Array<{ slug: string }> };
  const slug = page.items[0]!.slug;
  const results: Record<'off' | 'on', Autocannon[]> = { off: [], on: [] };
  for (const gw of [off, on]) await load(`${gw}/api/v1/products/${slug}`); // warm-up (JIT, caches), not counted
  for (let i = 0; i < rounds; i++) {
    results.off.push(await load(`${off}/api/v1/products/${slug}`));
    results.on.push(await load(`${on}/api/v1/products/${slug}`));
  }
  const summary = (list: Autocannon[]) => ({
    reqPerSec: Math.round(list.reduce((s, r) => s + r.requests.average, 0) / list.length),
    p50Ms: list.map((r) => r.latency.p50).join('/'),
    p99Ms: list.map((r) => r.latency.p99).join('/'),
    non2xx: list.reduce((s, r) => s + r.non2xx + r.errors, 0),
  });
  const off_ = summary(results.off);
  const on_ = summary(results.on);
  console.log(JSON.stringify({ loadAverage: (await import('node:os')).loadavg().map((l) => Math.round(l * 10) / 10), route: 'GET /api/v1/products/:slug', seconds, connections, rounds, tracingOff: off_, tracingOn: on_, spansReceived: otlp.spans().length, throughputCostPct: Math.round((1 - on_.reqPerSec / off_.reqPerSec) * 1000) / 10 }, null, 2));
} finally {
  await Promise.all(apps.map((a) => a.stop('SIGTERM', 10_000)));
  await otlp.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
