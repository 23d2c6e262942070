/**
 * `node --import @swc-node/register/esm-register bench/idle.ts [seconds]`
 *
 * What the platform costs doing nothing: brings up the cluster as the bench
 * does (no seeding beyond 20 products), lets it settle, then prints each
 * process's CPU (ms per second) and resident memory over the window. With
 * BENCH_PROFILE_DIR set, also the CPU profile of the apps `--profile` covers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROFILED, startCluster } from './lib/cluster.js';
import { summarizeProfile } from './lib/cpuprofile.js';
import { cpuSnapshot, infraProcesses, rssMb } from './lib/procstat.js';

const seconds = Number(process.argv[2] ?? 30);
const cluster = await startCluster({ products: 20, log: (s) => console.log(s), profileDir: process.env['BENCH_PROFILE_DIR'] });
try {
  await sleep(15_000);
  const watched = [...cluster.apps, ...infraProcesses()];
  const profileDir = process.env['BENCH_PROFILE_DIR'];
  const profiled = profileDir ? cluster.apps.filter((a) => PROFILED.includes(a.name)) : [];
  const toggleProfilers = () => profiled.forEach((a) => process.kill(a.pid, 'SIGUSR2'));
  toggleProfilers();
  const before = cpuSnapshot(watched);
  await sleep(seconds * 1000);
  const after = cpuSnapshot(watched);
  toggleProfilers();
  let total = 0;
  for (const w of watched) {
    const perSecond = (after.get(w.name)! - before.get(w.name)!) / seconds;
    total += perSecond;
    console.log(`${w.name.padEnd(22)} ${perSecond.toFixed(1).padStart(6)} ms CPU/s  ${rssMb(w.pid).toFixed(0).padStart(4)} MB`);
  }
  console.log(`${'all'.padEnd(22)} ${total.toFixed(1).padStart(6)} ms CPU/s`);
  if (profileDir) {
    await sleep(2_000);
    for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
      const { totalMs, functions, packages } = summarizeProfile(join(profileDir, file), 12);
      console.log(`\n${file}: ${totalMs.toFixed(0)} ms of samples`);
      for (const h of [...packages, ...functions]) console.log(`  ${(h.share * 100).toFixed(1).padStart(5)}%  ${h.what}`);
    }
  }
} finally {
  await cluster.stop();
}
