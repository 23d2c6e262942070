/**
 * RPC round-trip latency: sequential `product.get` calls from a caller app to
 * a product app, over the in-process binding and over RabbitMQ, through the
 * real RpcClient and @RpcHandler stack (libs/messaging/test/fixtures/rpc-apps.ts).
 *
 *   node --import @swc-node/register/esm-register bench/rpc-latency.ts
 *
 * Env: RPC_BENCH_CALLS (default 500), RPC_BENCH_WARMUP (default 50),
 * RABBITMQ_URL (default amqp://guest:guest@127.0.0.1:5672). Uses a fresh
 * namespace and deletes its queue afterwards; skips RabbitMQ if unreachable.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { InProcessBroker, type TransportKind } from '@shop/messaging';
import { type RpcFixtureConfig, startRpcCaller, startRpcServer } from '../test/messaging/fixtures/rpc-apps.js';

const calls = Number(process.env['RPC_BENCH_CALLS'] ?? 500);
const warmup = Number(process.env['RPC_BENCH_WARMUP'] ?? 50);
const rabbitmqUrl = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

// Never hang: a stuck connection must not keep the process alive.
const deadline = setTimeout(() => {
  console.error('rpc-latency: did not finish within 120 s');
  process.exit(1);
}, 120_000);
deadline.unref();

interface Result {
  binding: string;
  calls: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  perSecond: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function measure(binding: string, transport: TransportKind): Promise<Result> {
  const config: RpcFixtureConfig = {
    transport,
    namespace: `bench-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
    rpcTimeoutMs: 5_000,
    ...(transport === 'in-process' ? { broker: new InProcessBroker() } : {}),
  };
  const server = await startRpcServer('product', config);
  const caller = await startRpcCaller(config);
  try {
    for (let i = 0; i < warmup; i++) await caller.rpc.send('product.get', { idOrSlug: `warmup-${i}` });
    const samples: number[] = [];
    const started = performance.now();
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      const view = await caller.rpc.send('product.get', { idOrSlug: `bench-${i}` });
      samples.push(performance.now() - t0);
      if (view.id !== `bench-${i}`) throw new Error(`wrong answer ${view.id} for bench-${i}`);
    }
    const total = performance.now() - started;
    const sorted = [...samples].sort((a, b) => a - b);
    return {
      binding,
      calls,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? Number.NaN,
      mean: samples.reduce((a, b) => a + b, 0) / samples.length,
      perSecond: (calls / total) * 1000,
    };
  } finally {
    await caller.close();
    await server.close();
    if (transport === 'broker') await deleteQueues(config.namespace);
  }
}

async function deleteQueues(namespace: string): Promise<void> {
  const conn = await amqp.connect(rabbitmqUrl);
  try {
    const ch = await conn.createChannel();
    await ch.deleteQueue(`${namespace}.product.rpc`);
  } finally {
    await conn.close();
  }
}

async function rabbitmqReachable(): Promise<boolean> {
  try {
    const conn = await amqp.connect(rabbitmqUrl);
    await conn.close();
    return true;
  } catch {
    return false;
  }
}

const results: Result[] = [await measure('in-process', 'in-process')];
if (await rabbitmqReachable()) results.push(await measure('RabbitMQ', 'broker'));
else console.log(`RabbitMQ at ${rabbitmqUrl} unreachable: skipped`);

const ms = (n: number) => n.toFixed(2);
console.log(`\nRPC round trip, ${calls} sequential product.get calls after ${warmup} warm-up calls (ms)\n`);
console.log(['binding', 'calls', 'p50', 'p90', 'p99', 'max', 'mean', 'calls/s'].map((h, i) => (i === 0 ? h.padEnd(12) : h.padStart(8))).join(''));
for (const r of results) {
  console.log([r.binding.padEnd(12), String(r.calls).padStart(8), ...[r.p50, r.p90, r.p99, r.max, r.mean].map((n) => ms(n).padStart(8)), r.perSecond.toFixed(0).padStart(8)].join(''));
}
clearTimeout(deadline);
