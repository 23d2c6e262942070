/**
 * What tracing costs on a simple gateway route: two all-in-one processes from
 * dist/ (build first), one with OTEL_TRACES_EXPORTER=otlp exporting to an
 * OTLP/HTTP receiver run here, one with tracing off, loaded in turn with
 * autocannon on `GET /api/v1/products/<slug>` (gateway HTTP -> in-process RPC
 * -> product service -> SQLite).
 *
 *   node scripts/build.mjs && node --import @swc-node/register/esm-register bench/tracing-overhead.ts
 *
 * Besides req/s and latency (which a busy shared machine blurs), it reports
 * the app process's CPU time per request (from /proc), which contention
 * does not change. The collector here only counts and discards what it gets.
 *
 * Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 20),
 * BENCH_ROUNDS (default 2: off, on, off, on), LOG_LEVEL (default warn).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SERVICE_NAMES } from '@shop/contracts';
import { type SpawnedProcess, spawnNode, waitForHttp, freePortBlock } from '@shop/testing';

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

// A collector that answers at once and keeps nothing: the bench measures the apps, not the receiver.
let exportedBytes = 0;
const collector = createServer((req, res) => {
  req.on('data', (c: Buffer) => (exportedBytes += c.length));
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
const otlp = { url: `http://127.0.0.1:${(collector.address() as AddressInfo).port}` };

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const dirs: string[] = [];
const apps: SpawnedProcess[] = [];

const pids = new Map<string, number>();

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
  pids.set(`http://127.0.0.1:${ports['GATEWAY_HTTP_PORT']}`, app.pid);
  const gateway = `http://127.0.0.1:${ports['GATEWAY_HTTP_PORT']}`;
  await waitForHttp(`${gateway}/health/ready`, { timeoutMs: 90_000 });
  return gateway;
}

// Asynchronous: the OTLP receiver in this process must keep answering the exporter meanwhile.
async function load(url: string): Promise<Autocannon & { cpuMsPerRequest: number }> {
  const gateway = new URL(url).origin;
  const before = cpuSeconds(pids.get(gateway)!);
  const { stdout } = await promisify(execFile)(resolve(root, 'node_modules/.bin/autocannon'), ['-j', '-d', String(seconds), '-c', String(connections), url], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const result = JSON.parse(stdout) as Autocannon & { requests: { total: number } };
  return { ...result, cpuMsPerRequest: ((cpuSeconds(pids.get(gateway)!) - before) * 1000) / Math.max(1, result.requests.total) };
}

try {
  const base = freePortBlock(20);
  const off = await start(false, base);
  const on = await start(true, base + 10);
  const page = (await (await fetch(`${off}/api/v1/products?pageSize=1`)).json()) as { items: Array<{ slug: string }> };
  const slug = page.items[0]!.slug;
  const results: Record<'off' | 'on', Array<Autocannon & { cpuMsPerRequest: number }>> = { off: [], on: [] };
  for (const gw of [off, on]) await load(`${gw}/api/v1/products/${slug}`); // warm-up (JIT, caches), not counted
  for (let i = 0; i < rounds; i++) {
    results.off.push(await load(`${off}/api/v1/products/${slug}`));
    results.on.push(await load(`${on}/api/v1/products/${slug}`));
  }
  const summary = (list: Array<Autocannon & { cpuMsPerRequest: number }>) => ({
    cpuMsPerRequest: Math.round((list.reduce((s, r) => s + r.cpuMsPerRequest, 0) / list.length) * 1000) / 1000,
    reqPerSec: Math.round(list.reduce((s, r) => s + r.requests.average, 0) / list.length),
    p50Ms: list.map((r) => r.latency.p50).join('/'),
    p99Ms: list.map((r) => r.latency.p99).join('/'),
    non2xx: list.reduce((s, r) => s + r.non2xx + r.errors, 0),
  });
  const off_ = summary(results.off);
  const on_ = summary(results.on);
  console.log(JSON.stringify({ loadAverage: (await import('node:os')).loadavg().map((l) => Math.round(l * 10) / 10), route: 'GET /api/v1/products/:slug', seconds, connections, rounds, tracingOff: off_, tracingOn: on_, exportedKiB: Math.round(exportedBytes / 1024), throughputCostPct: Math.round((1 - on_.reqPerSec / off_.reqPerSec) * 1000) / 10, cpuCostPct: Math.round((on_.cpuMsPerRequest / off_.cpuMsPerRequest - 1) * 1000) / 10 }, null, 2));
} finally {
  await Promise.all(apps.map((a) => a.stop('SIGTERM', 10_000)));
  await new Promise((r) => collector.close(r));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
