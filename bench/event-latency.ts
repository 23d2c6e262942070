/**
 * Commit-to-handled latency of a domain event over real Kafka and MariaDB.
 *
 *   node --import @swc-node/register/esm-register bench/event-latency.ts
 *
 * Boots a producer and a consumer service (the test fixtures of
 * libs/messaging, booted by bootstrapService like any service) in a fresh
 * namespace with fresh databases, sends EVENTS events one at a time through
 * the outbox, and measures, per event, the time from the producer's commit
 * (business row + outbox row) to the commit of the consumer's inbox
 * transaction that applied it. Prints a table and exits; drops its databases.
 *
 * Env: EVENTS (default 200), WARMUP (default 20), KAFKA_BROKERS, DB_HOST...,
 * OUTBOX_POLL_MS (default 1000: the relay is woken by the commit, not by it).
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { ensureKafkaTopics } from '@shop/messaging';
import { type RunningService, bootstrapService } from '@shop/platform';
import { createDatabases, dropDatabases, uniqueName } from '@shop/testing';
import { DataSource } from 'typeorm';
import { ItemsService, consumerService, onAppliedCommit, producerService } from '../test/messaging/fixtures/events-services.js';

const EVENTS = Number(process.env['EVENTS'] ?? 200);
const WARMUP = Number(process.env['WARMUP'] ?? 20);
const KAFKA_BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const TIMEOUT_MS = 30_000;

const namespace = uniqueName('bench');
const suffix = namespace.replace(/-/g, '_');
const databases = { producer: `bench_${suffix}_p`, consumer: `bench_${suffix}_c` };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function main(): Promise<void> {
  const services: RunningService[] = [];
  await createDatabases(Object.values(databases));
  try {
    await ensureKafkaTopics({ kafkaBrokers: KAFKA_BROKERS, namespace });
    const boot = async (def: Parameters<typeof bootstrapService>[0], database: string) => {
      const s = await bootstrapService(def, {
        env: { ...process.env, SHOP_TRANSPORT: 'broker', DB_DRIVER: 'mysql', SHOP_NAMESPACE: namespace },
        httpPort: 0,
        logger: false,
        messaging: { kafkaBrokers: KAFKA_BROKERS },
        database: { database },
      });
      services.push(s);
      return s;
    };
    const producer = await boot(producerService(), databases.producer);
    const consumer = await boot(consumerService('cart'), databases.consumer);

    // When each event's inbox transaction committed on the consumer.
    const handledAt = new Map<string, number>();
    const waiters = new Map<string, (at: number) => void>();
    onAppliedCommit(consumer.app.get(DataSource), (eventId) => {
      const at = performance.now();
      const waiter = waiters.get(eventId);
      if (waiter) waiter(at);
      else handledAt.set(eventId, at);
    });
    const items = producer.app.get(ItemsService);

    /** Sends one event through the outbox; resolves with its commit-to-handled time. */
    const once = async (i: number): Promise<number> => {
      const { eventId } = await items.emit(`bench-${i & 15}`, i);
      const committedAt = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const at =
          handledAt.get(eventId) ??
          (await new Promise<number>((resolve, reject) => {
            waiters.set(eventId, resolve);
            timer = setTimeout(() => reject(new Error(`event ${i} not handled within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
          }));
        return at - committedAt;
      } finally {
        clearTimeout(timer);
        waiters.delete(eventId);
        handledAt.delete(eventId);
      }
    };

    // Warm-up: the first event waits for the consumer group's join.
    for (let i = 0; i < WARMUP; i++) await once(-1 - i);
    const latencies: number[] = [];
    const started = performance.now();
    for (let i = 0; i < EVENTS; i++) latencies.push(await once(i));
    const elapsed = performance.now() - started;

    const sorted = [...latencies].sort((a, b) => a - b);
    const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    console.log(`\nevent latency, commit -> handled (Kafka ${KAFKA_BROKERS.join(',')}, MariaDB, namespace ${namespace})`);
    console.table({
      events: { value: String(EVENTS) },
      p50: { value: ms(percentile(sorted, 50)) },
      p90: { value: ms(percentile(sorted, 90)) },
      p99: { value: ms(percentile(sorted, 99)) },
      max: { value: ms(sorted[sorted.length - 1]!) },
      min: { value: ms(sorted[0]!) },
      mean: { value: ms(mean) },
      'events/s (one at a time)': { value: (EVENTS / (elapsed / 1000)).toFixed(1) },
    });
  } finally {
    await Promise.all(services.map((s) => s.close().catch(() => undefined)));
    await dropDatabases(Object.values(databases));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
