/**
 * Login cost: is login bound by password hashing, not by the rest?
 *
 *   node --import @swc-node/register/esm-register bench/login.ts
 *
 * Boots the all-in-one app (apps/all-in-one/src/main.ts) as its own process on
 * free ports with a temporary SQLite folder, registers a fixed set of users,
 * then in this process, on the same machine and in the same run:
 *  1. POST /api/v1/auth/login through the gateway with autocannon (LOGIN_BENCH_SECONDS, default 10 s,
 *     LOGIN_BENCH_CONNECTIONS connections, default 8), cycling over the users;
 *  2. GET /api/v1/users/me with autocannon (a signed-in request without hashing: JWT verify + one RPC), 5 s;
 *  3. argon2id verify alone with the user service's parameters: sequential, then the highest rate with
 *     the same concurrency as (1), measured before and after the HTTP runs (best of the two: the
 *     machine may be shared);
 *  4. JWT verification alone: the gateway's TokenVerifier (same keys, fetched from the JWKS) in a loop.
 * Prints a table and exits.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hash, verify } from '@node-rs/argon2';
import { JwksSource, TokenVerifier, authOptionsFromEnv } from '@shop/auth';
import type { JsonWebKeySet, TokenPair } from '@shop/contracts';
import { spawnNode, waitForHttp } from '@shop/testing';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
interface CannonRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: CannonRequest) => CannonRequest;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: { url: string; connections: number; duration: number; requests: CannonRequest[] }) => Promise<CannonResult>;

const seconds = Number(process.env['LOGIN_BENCH_SECONDS'] ?? 10);
const connections = Number(process.env['LOGIN_BENCH_CONNECTIONS'] ?? 8);
const USERS = 40;
// The user service's parameters (libs/services/user/src/credentials/password-hasher.ts).
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const deadline = setTimeout(() => {
  console.error('login bench: did not finish within 180 s');
  process.exit(1);
}, 180_000);
deadline.unref();

function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Sequential verify time, then the rate with `connections` verifies in flight (5 s). */
async function measureArgon2(stored: string, password: string): Promise<{ sequentialMs: number; perSecond: number }> {
  const runs = 30;
  let t0 = performance.now();
  for (let i = 0; i < runs; i++) await verify(stored, password);
  const sequentialMs = (performance.now() - t0) / runs;
  let done = 0;
  const until = performance.now() + 5_000;
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        await verify(stored, password);
        done++;
      }
    }),
  );
  return { sequentialMs, perSecond: done / ((performance.now() - t0) / 1000) };
}

const post = async <T>(url: string, body: unknown): Promise<T> => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};

const root = resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'shop-login-bench-'));
const names = ['GATEWAY', 'DISCOVERY', 'CONFIG', 'USER', 'PRODUCT', 'CART', 'ORDER', 'NOTIFICATION'];
const ports: Record<string, string> = {};
for (const n of names) ports[`${n}_HTTP_PORT`] = String(await freePort());
const gateway = `http://127.0.0.1:${ports['GATEWAY_HTTP_PORT']}`;
const app = spawnNode(resolve(root, 'apps/all-in-one/src/main.ts'), {
  ...ports,
  DB_SQLITE_DIR: dataDir,
  SEED_DEMO_PRODUCTS: '0',
  SEED_DEMO_ACCOUNTS: 'false',
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_USER: '1000000000',
  RATE_LIMIT_AUTH_PER_IP: '1000000000',
  RATE_LIMIT_LOGIN_PER_ACCOUNT: '1000000000',
});

try {
  await app.waitForOutput(/shop is up/, 90_000);
  await waitForHttp(`${gateway}/health/ready`);

  // A fixed set of users, registered before the clock starts.
  const users = Array.from({ length: USERS }, (_, i) => ({ email: `bench.${i}.${Date.now().toString(36)}@bench.test`, password: `cobalt-harbor-${i}-lantern-${Date.now().toString(36)}` }));
  for (const u of users) await post(`${gateway}/api/v1/auth/register`, { ...u, displayName: 'Bench' });
  const first = await post<TokenPair>(`${gateway}/api/v1/auth/login`, users[0]);

  // argon2id verify alone, same parameters, same machine, same run: before and after the HTTP runs (the machine is shared).
  const stored = await hash(users[0]!.password, ARGON2);
  for (let i = 0; i < 5; i++) await verify(stored, users[0]!.password);
  const argonBefore = await measureArgon2(stored, users[0]!.password);

  // 1. Login through the gateway.
  let next = 0;
  const login = await autocannon({
    url: gateway,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: JSON.stringify(users[next++ % users.length]) }),
      },
    ],
  });

  // 2. A signed-in request that does not hash: what the rest of the path costs.
  const me = await autocannon({ url: gateway, connections, duration: 5, requests: [{ method: 'GET', path: '/api/v1/users/me', headers: { authorization: `Bearer ${first.accessToken}` } }] });

  // 3. argon2id verify alone again.
  const argonAfter = await measureArgon2(stored, users[0]!.password);
  const sequentialMs = Math.min(argonBefore.sequentialMs, argonAfter.sequentialMs);
  const parallelPerSecond = Math.max(argonBefore.perSecond, argonAfter.perSecond);

  // 4. JWT verification at the gateway: its TokenVerifier with the published keys, in a loop.
  const jwks = (await (await fetch(`${gateway}/api/v1/auth/jwks`)).json()) as JsonWebKeySet;
  const source = new (class extends JwksSource {
    fetch() {
      return Promise.resolve(jwks);
    }
  })();
  const verifier = new TokenVerifier(authOptionsFromEnv({}), source);
  for (let i = 0; i < 500; i++) await verifier.verify(first.accessToken);
  const jwtRuns = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < jwtRuns; i++) await verifier.verify(first.accessToken);
  const jwtMicros = ((performance.now() - t0) * 1000) / jwtRuns;

  const row = (what: string, value: string, note = '') => console.log(`${what.padEnd(52)}${value.padStart(14)}  ${note}`);
  console.log(`\nLogin bench: all-in-one app, ${cpus().length} CPU(s), Node ${process.version}, ${connections} connections, ${USERS} users, argon2id m=19456 t=2 p=1\n`);
  row('login through the gateway: throughput', `${login.requests.average.toFixed(1)} req/s`, `${login.requests.total} requests in ${login.duration.toFixed(0)} s, non-2xx ${login.non2xx}, errors ${login.errors}`);
  row('login through the gateway: latency p50 / p99', `${login.latency.p50} / ${login.latency.p99} ms`, `mean ${login.latency.average.toFixed(1)} ms, max ${login.latency.max} ms`);
  row(`argon2id verify alone: sequential`, `${sequentialMs.toFixed(1)} ms`, `= ${(1000 / sequentialMs).toFixed(1)} verifies/s on one thread (before ${argonBefore.sequentialMs.toFixed(1)}, after ${argonAfter.sequentialMs.toFixed(1)} ms)`);
  row(`argon2id verify alone: ${connections} concurrent`, `${parallelPerSecond.toFixed(1)} /s`, `(before ${argonBefore.perSecond.toFixed(1)}, after ${argonAfter.perSecond.toFixed(1)} /s); login reaches ${((login.requests.average / parallelPerSecond) * 100).toFixed(0)}% of this ceiling`);
  row('GET users/me (no hashing): throughput', `${me.requests.average.toFixed(0)} req/s`, `p50 ${me.latency.p50} ms, p99 ${me.latency.p99} ms, non-2xx ${me.non2xx}`);
  row('JWT verification (TokenVerifier.verify)', `${jwtMicros.toFixed(1)} us`, `per request, ${jwtRuns} verifies in a loop`);
  console.log('');
} finally {
  await app.stop('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
  clearTimeout(deadline);
}
