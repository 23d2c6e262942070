#!/usr/bin/env node
// The cluster mode on one machine: every app as its own process against
// MariaDB/MySQL, RabbitMQ and Kafka (addresses from the environment, local
// defaults). Run `npm run infra:up` first.
//   node scripts/cluster.mjs start     start every app, prefix their logs, stop them all on Ctrl+C
//   node scripts/cluster.mjs migrate   apply every service's migrations and exit
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const APPS = ['discovery', 'config', 'user', 'product', 'cart', 'order', 'notification', 'gateway'];
const WITH_DATABASE = ['user', 'product', 'cart', 'order', 'notification'];
const entry = (app) => join(root, 'dist/apps', app, 'src/main.js');

function run(app, args, env = {}) {
  if (!existsSync(entry(app))) throw new Error(`${entry(app)} is missing: run "npm run build" first`);
  const child = spawn(process.execPath, ['--enable-source-maps', entry(app), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `${app.padEnd(12)} | `;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop();
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  return child;
}

const command = process.argv[2];
if (command === 'migrate') {
  for (const app of WITH_DATABASE) {
    const child = run(app, ['migrate']);
    const code = await new Promise((r) => child.on('exit', r));
    if (code !== 0) {
      console.error(`migrations of ${app} failed (exit ${code})`);
      process.exit(1);
    }
  }
} else if (command === 'start') {
  // Discovery and config first: the others register with the one and load their settings from the other.
  const children = [];
  for (const [app, port] of [['discovery', 8761], ['config', 8888]]) {
    children.push({ app, child: run(app, []) });
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  for (const app of APPS.filter((a) => a !== 'discovery' && a !== 'config')) children.push({ app, child: run(app, []) });
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nstopping ${children.length} apps (${signal})`);
    for (const { child } of children) child.kill('SIGTERM');
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const results = await Promise.all(children.map(({ app, child }) => new Promise((r) => child.on('exit', (code, signal) => r({ app, code, signal })))));
  const failed = results.filter((r) => !stopping || (r.code !== 0 && r.signal !== 'SIGTERM'));
  for (const r of failed) console.error(`${r.app} exited (code ${r.code}, signal ${r.signal})`);
  process.exit(failed.length ? 1 : 0);
} else {
  console.error('usage: node scripts/cluster.mjs start|migrate');
  process.exit(2);
}
