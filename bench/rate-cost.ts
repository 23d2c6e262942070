/**
 * `node scripts/build.mjs && node --import @swc-node/register/esm-register bench/rate-cost.ts [rates] [seconds]`
 *
 * CPU per request at fixed, low request rates: what a request costs when the processes it crosses wake
 * up for it alone instead of handling many per wake-up, as they do at the bench's maximum rates. Login
 * runs like that: argon2 caps it at a little over 100/s here. Starts the cluster as the bench does (20
 * products), and the bare NestJS-on-Fastify route in a process of its own, then for each rate (default
 * 60,120,240 per second), for `seconds` each (default 15), open-loop: nothing (the platform at rest, for
 * comparison), the bare route, GET /users/me (one authenticated RPC hop, the bench's rpc-hop), a login,
 * and a login the gateway refuses with 400 (a bad body: HTTP, guards and validation, no RPC). Logins run
 * at 60/s only (argon2 alone does 120-170 verifications a second here, so faster would overload). Prints each process's CPU ms per request (/proc, utime+stime; at rest:
 * per request that would have come) as a Markdown table. The cluster is stopped at the end.
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, spawnNode } from '@shop/testing';
import { root, startCluster } from './lib/cluster.js';
import { expectOkStarting } from './lib/http.js';
import { type Flow, openLoop } from './lib/load.js';
import { type Watched, cpuSnapshot, infraProcesses } from './lib/procstat.js';
import { USER_MAIN_THREAD } from './lib/report.js';

const rates = (process.argv[2] ?? '60,120,240').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 15);
const LOGIN_MAX_RATE = 60;

const cluster = await startCluster({ products: 20, log: (s) => console.error(s) });
const barePort = await freePort();
const bare = spawnNode(resolve(root, 'bench/lib/bare-server.ts'), { BARE_PORT: String(barePort) });
try {
  await bare.waitForOutput(/listening/, 30_000);
  const gateway = cluster.gateway;
  const post = (path: string, body: unknown) => fetch(`${gateway}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const account = { email: 'rate.cost@bench.test', password: 'saffron-glacier-compass-82' };
  // The user service may still be starting behind the gateway.
  await expectOkStarting('POST', `${gateway}/api/v1/auth/register`, { body: { ...account, displayName: 'Rate Cost' } }, 409);
  const { accessToken } = (await expectOkStarting('POST', `${gateway}/api/v1/auth/login`, { body: account })) as { accessToken: string };

  /** A flow that fails unless the answer has `status`. */
  const expecting =
    (status: number, request: () => Promise<Response>): Flow =>
    async () => {
      const t0 = performance.now();
      const res = await request();
      await res.arrayBuffer();
      if (res.status !== status) throw new Error(`HTTP ${res.status}`);
      return performance.now() - t0;
    };
  const flows: Array<[string, Flow | undefined]> = [
    ['at rest', undefined],
    ['bare route', expecting(200, () => fetch(`http://127.0.0.1:${barePort}/bare`))],
    ['GET /users/me', expecting(200, () => fetch(`${gateway}/api/v1/users/me`, { headers: { authorization: `Bearer ${accessToken}` } }))],
    ['login', expecting(200, () => post('/api/v1/auth/login', account))],
    ['login refused (400)', expecting(400, () => post('/api/v1/auth/login', { email: 5, password: account.password }))],
  ];
  const user = cluster.apps.find((a) => a.name === 'user')!;
  const watched: Watched[] = [...cluster.apps, ...infraProcesses(), { name: 'bare', pid: bare.child.pid! }, { name: USER_MAIN_THREAD, pid: user.pid, mainThread: true }];
  console.log(`| rate | flow | ${watched.map((w) => w.name).join(' | ')} | all but bare |`);
  console.log(`| ---: | --- | ${watched.map(() => '---:').join(' | ')} | ---: |`);
  await sleep(30_000); // the start's own work (seed, first fetches, JIT) done
  for (const rate of rates) {
    for (const [name, flow] of flows) {
      if (name.startsWith('login') && rate > LOGIN_MAX_RATE) continue;
      if (flow) await openLoop(flow, rate, 3, 64); // warm-up
      const before = cpuSnapshot(watched);
      const run = flow ? await openLoop(flow, rate, seconds, 64) : (await sleep(seconds * 1000), { completed: rate * seconds, errors: 0 });
      const after = cpuSnapshot(watched);
      if (run.errors) throw new Error(`${name} at ${rate}/s: ${run.errors} of ${run.completed} failed`);
      const perRequest = new Map(watched.map((w) => [w.name, (after.get(w.name)! - before.get(w.name)!) / run.completed]));
      const all = watched.filter((w) => w.name !== 'bare' && w.name !== USER_MAIN_THREAD).reduce((sum, w) => sum + perRequest.get(w.name)!, 0);
      console.log(`| ${rate}/s | ${name} | ${watched.map((w) => perRequest.get(w.name)!.toFixed(2)).join(' | ')} | ${all.toFixed(2)} |`);
    }
  }
} finally {
  await bare.stop('SIGTERM');
  await cluster.stop();
}
