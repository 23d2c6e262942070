/**
 * `node scripts/build.mjs && node --import @swc-node/register/esm-register bench/login-pinned.ts [seconds]`
 *
 * Login against argon2 alone when hashing has a core of its own. The bench's login target (0.8 of argon2
 * verify alone) is missed on this 2-vCPU machine, where the argon2 threads share both CPUs with the gateway,
 * RabbitMQ, MariaDB, Kafka and the other apps. Here the user service (every thread) is pinned to the last
 * CPU and everything else (the other apps, MariaDB, RabbitMQ, Kafka, this load generator) to the others;
 * argon2 alone is measured in a process pinned to that same last CPU. Prints both rates, their ratio and
 * each side's CPU per login. Needs taskset (util-linux) and at least 2 CPUs. The cluster it starts is
 * stopped at the end, and MariaDB, RabbitMQ and Kafka get back the CPUs they had.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { PASSWORD_HASH_PARAMS } from '@shop/services/user';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCluster } from './lib/cluster.js';
import { expectOk } from './lib/http.js';
import { type Req, cannon } from './lib/load.js';
import { cpuSnapshot, infraProcesses } from './lib/procstat.js';

const seconds = Number(process.argv[2] ?? 10);
const n = cpus().length;
if (n < 2) throw new Error('needs at least 2 CPUs');
const hashingCpu = String(n - 1);
const restCpus = n === 2 ? '0' : `0-${n - 2}`;

/** The CPUs `pid` may run on now (taskset -c -p). */
const affinity = (pid: number) => execFileSync('taskset', ['-c', '-p', String(pid)], { encoding: 'utf8' }).trim().split(': ').pop()!;
/** Pins every thread of `pid` (taskset -a) to `cpuList`. */
const pin = (pid: number, cpuList: string) => execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'ignore' });

/** argon2 verify alone, 8 in flight, in a child process pinned to the hashing CPU. */
function argon2Alone(): number {
  const script = `
    import { hash, verify } from '@node-rs/argon2';
    const stored = await hash('pinned-login-password-7', ${JSON.stringify(PASSWORD_HASH_PARAMS)});
    for (let i = 0; i < 5; i++) await verify(stored, 'pinned-login-password-7');
    let done = 0; const until = Date.now() + ${seconds * 1000}; const t0 = Date.now();
    await Promise.all(Array.from({ length: 8 }, async () => { while (Date.now() < until) { await verify(stored, 'pinned-login-password-7'); done++; } }));
    console.log(done / ((Date.now() - t0) / 1000));`;
  return Number(execFileSync('taskset', ['-c', hashingCpu, process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' }).trim());
}

const cluster = await startCluster({ products: 20, log: (s) => console.log(s) });
const infra = infraProcesses();
const infraAffinity = new Map(infra.map((w) => [w.pid, affinity(w.pid)]));
try {
  const api = `${cluster.gateway}/api/v1`;
  const customers = Array.from({ length: 100 }, (_, i) => ({ email: `pinned.${Date.now().toString(36)}.${i}@bench.test`, password: `amber-fjord-${i}-telescope` }));
  for (const c of customers) await expectOk('POST', `${api}/auth/register`, { body: { ...c, displayName: 'Pinned' } });
  const user = cluster.apps.find((a) => a.name === 'user')!;
  pin(user.pid, hashingCpu);
  for (const w of [...cluster.apps.filter((a) => a !== user), ...infra]) pin(w.pid, restCpus);
  pin(process.pid, restCpus); // the load generator
  await sleep(2_000);

  const alone = argon2Alone();
  let at = 0;
  const login = (): Req => {
    const c = customers[at++ % customers.length]!;
    return { method: 'POST', path: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, body: JSON.stringify(c) };
  };
  await cannon({ url: cluster.gateway, connections: 8, seconds: 3, steps: [login], mode: 'warm-up' });
  const watched = [...cluster.apps, ...infra];
  const before = cpuSnapshot(watched);
  const run = await cannon({ url: cluster.gateway, connections: 8, seconds, steps: [login], mode: 'max' });
  const after = cpuSnapshot(watched);
  const logins = run.perSecond * seconds;
  const perLogin = (names: string[]) => names.reduce((sum, name) => sum + (after.get(name)! - before.get(name)!), 0) / logins;
  const others = watched.map((w) => w.name).filter((name) => name !== 'user');
  console.log(`CPUs: user service on ${hashingCpu}, everything else on ${restCpus}`);
  console.log(`argon2 verify alone on CPU ${hashingCpu}: ${alone.toFixed(1)}/s (8 in flight)`);
  console.log(`login through the gateway: ${run.perSecond.toFixed(1)}/s, errors ${run.errors}, p99 ${run.latencyMs.p99} ms`);
  console.log(`ratio: ${(run.perSecond / alone).toFixed(2)} of argon2 alone on the same CPU`);
  console.log(`CPU per login: user service ${perLogin(['user']).toFixed(2)} ms, everything else ${perLogin(others).toFixed(2)} ms`);
} finally {
  for (const w of infra) {
    try {
      pin(w.pid, infraAffinity.get(w.pid)!);
    } catch {
      // gone
    }
  }
  await cluster.stop();
}
