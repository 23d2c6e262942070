// Preloaded into an app by `npm run bench -- --profile` (NODE_OPTIONS=--import=<this file>,
// since --cpu-prof is not allowed there): SIGUSR2 starts the V8 CPU profiler, the next SIGUSR2
// stops it and writes CPU.bench.<pid>.cpuprofile into BENCH_CPU_PROF_DIR, so the profile covers
// the measured scenarios only (not the start or the seed).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR ?? '.';
const session = new Session();
session.connect();
let running = false;
process.on('SIGUSR2', () => {
  if (!running) {
    running = true;
    session.post('Profiler.enable', () => session.post('Profiler.start'));
    return;
  }
  session.post('Profiler.stop', (err, result) => {
    running = false;
    if (err) console.error('cpu-profiler:', err);
    else writeFileSync(join(dir, `CPU.bench.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
