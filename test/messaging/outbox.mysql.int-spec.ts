import { setTimeout as sleep } from 'node:timers/promises';
import type { Envelope, ProductCreated } from '@shop/contracts';
import { type RunningService, bootstrapService } from '@shop/platform';
import { createDatabases, dropDatabases, eventually, queryDatabase, uniqueName } from '@shop/testing';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { type MessagingOptions, ensureKafkaTopics } from '@shop/messaging';
import { DataSource, type QueryRunner } from 'typeorm';
import { ItemsService, metricValue, producerService } from './fixtures/events-services.js';

const KAFKA_BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

interface Seen {
  id: string;
  key: string;
  seq: number;
  partition: number;
  offset: number;
  at: number;
}

/**
 * The outbox relay on MariaDB with real Kafka: two instances of the producer
 * (two apps, two data sources, two relays) on one database, and a plain
 * kafkajs consumer reading the raw topic, duplicates included.
 */
describe('outbox relay on MariaDB', () => {
  const namespace = uniqueName('t');
  const suffix = namespace.replace(/-/g, '_');
  const db = { shared: `ob_${suffix}_p`, down: `ob_${suffix}_d`, idle: `ob_${suffix}_i` };
  const topic = `${namespace}.catalog.events`;
  const kafka = new Kafka({ clientId: 'outbox-int-spec', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const running: RunningService[] = [];
  const seen: Seen[] = [];
  let reader: Consumer;
  let relayA: RunningService;
  let relayB: RunningService;

  async function boot(database: string, messaging: Partial<MessagingOptions> = {}): Promise<RunningService> {
    const service = await bootstrapService(producerService(), {
      env: { ...process.env, SHOP_TRANSPORT: 'broker', DB_DRIVER: 'mysql', SHOP_NAMESPACE: namespace },
      httpPort: 0,
      logger: false,
      // Polling every 5 s: anything faster than that was woken by the commit.
      messaging: { kafkaBrokers: KAFKA_BROKERS, outboxPollMs: 5_000, ...messaging },
      database: { database },
    });
    running.push(service);
    return service;
  }

  const seenIds = () => new Set(seen.map((s) => s.id));
  const count = async (database: string, where: string) => Number((await queryDatabase<{ n: number }>(database, `SELECT COUNT(*) AS n FROM outbox WHERE ${where}`))[0]!.n);

  beforeAll(async () => {
    await createDatabases(Object.values(db));
    await ensureKafkaTopics({ kafkaBrokers: KAFKA_BROKERS, namespace });
    reader = kafka.consumer({ groupId: `${namespace}.raw-reader`, maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ partition, message }) => {
        const envelope = JSON.parse(String(message.value)) as Envelope<ProductCreated>;
        seen.push({ id: envelope.id, key: String(message.key), seq: envelope.payload.price.amount, partition, offset: Number(message.offset), at: Date.now() });
      },
    });
    // One after the other: the first applies the migrations.
    relayA = await boot(db.shared);
    relayB = await boot(db.shared);
    // The reader has joined once it sees a probe.
    const { eventId } = await relayA.app.get(ItemsService).emit(uniqueName('probe'), 1);
    await eventually(() => seenIds().has(eventId), { timeoutMs: 30_000, what: 'probe event read from Kafka' });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(running.splice(0).map((s) => s.close().catch(() => undefined)));
    await reader?.disconnect();
    await dropDatabases(Object.values(db));
  }, 60_000);

  it('two relays on one database publish 1,000 rows of 20 aggregates written concurrently: every row once, each aggregate in order, none left unpublished', async () => {
    const AGGREGATES = 20;
    const PER_AGGREGATE = 50;
    const apps = [relayA.app.get(ItemsService), relayB.app.get(ItemsService)];
    // One writer per aggregate (so its commit order is its sequence order), alternating between the two instances.
    const ids = (
      await Promise.all(
        Array.from({ length: AGGREGATES }, async (_, a) => {
          const out: string[] = [];
          for (let seq = 1; seq <= PER_AGGREGATE; seq++) out.push((await apps[(a + seq) % 2]!.emit(`agg-${a}`, seq)).eventId);
          return out;
        }),
      )
    ).flat();

    await eventually(
      async () => {
        const got = seenIds();
        return ids.every((id) => got.has(id)) && (await count(db.shared, 'published_at IS NULL')) === 0;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'every row published and read' },
    );

    expect(await count(db.shared, `id IN (${ids.map((id) => `'${id}'`).join(',')}) AND published_at IS NOT NULL`)).toBe(AGGREGATES * PER_AGGREGATE);
    // Per aggregate, in the order the topic holds them (duplicates of the same record ignored): 1, 2, … 50.
    const stream = [...seen].sort((x, y) => x.partition - y.partition || x.offset - y.offset);
    for (let a = 0; a < AGGREGATES; a++) {
      const delivered = new Set<string>();
      const seqs: number[] = [];
      for (const s of stream.filter((r) => r.key === `agg-${a}`)) {
        if (delivered.has(s.id)) continue;
        delivered.add(s.id);
        seqs.push(s.seq);
      }
      expect(seqs, `order of agg-${a}`).toEqual(Array.from({ length: PER_AGGREGATE }, (_, i) => i + 1));
    }
    // Both relays took part, and between them published each row once (+ the probe).
    const published = async (s: RunningService) => metricValue(await (await fetch(`${s.url}/metrics`)).text(), 'shop_events_published_total', { topic: 'catalog.events', type: 'product.created' });
    const [byA, byB] = [await published(relayA), await published(relayB)];
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(byA + byB).toBe(AGGREGATES * PER_AGGREGATE + 1);
  });

  it('wakes the relay on commit: an event is read from Kafka well within the 5 s poll interval after its transaction commits', async () => {
    const items = relayA.app.get(ItemsService);
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      // Let both relays go back to sleep first.
      await sleep(300);
      const { eventId } = await items.emit(uniqueName('latency'), 1);
      const committedAt = Date.now();
      const read = await eventually(() => seen.find((s) => s.id === eventId), { timeoutMs: 15_000, intervalMs: 5, what: 'event read' });
      latencies.push(read.at - committedAt);
    }
    expect(Math.max(...latencies), `latencies ${latencies.join(', ')} ms`).toBeLessThan(1_500);
  });

  it('polls an empty outbox with one plain read, no claiming transaction, and still publishes a row it was not woken for', async () => {
    const idle = await boot(db.idle, { outboxPollMs: 100 });
    const { eventId } = await idle.app.get(ItemsService).emit(uniqueName('idle'), 1);
    await eventually(() => seenIds().has(eventId), { timeoutMs: 15_000, what: 'first event read' });
    const dataSource = idle.app.get(DataSource);
    const statements: string[] = [];
    const create = dataSource.createQueryRunner.bind(dataSource);
    dataSource.createQueryRunner = (...args: Parameters<DataSource['createQueryRunner']>): QueryRunner => {
      const runner = create(...args);
      const query = runner.query.bind(runner);
      runner.query = ((sql: string, ...rest: unknown[]) => (statements.push(sql), query(sql, ...(rest as [])))) as QueryRunner['query'];
      for (const m of ['startTransaction', 'commitTransaction'] as const) {
        const original = runner[m].bind(runner);
        runner[m] = ((...a: unknown[]) => (statements.push(m), original(...(a as [])))) as never;
      }
      return runner;
    };
    try {
      await sleep(1_500);
      // About 15 polls at 100 ms; each the one read, none a transaction.
      expect(statements.length, statements.join('\n')).toBeGreaterThanOrEqual(5);
      expect(new Set(statements)).toEqual(new Set(['SELECT 1 FROM outbox WHERE published_at IS NULL LIMIT 1']));
      // A row committed by another writer (no wake-up here) is found by the next poll and claimed.
      statements.length = 0;
      await queryDatabase(db.idle, 'INSERT INTO outbox (id, topic, type, aggregate_id, envelope, trace_context, created_at) SELECT UUID(), topic, type, aggregate_id, envelope, trace_context, created_at FROM outbox ORDER BY seq LIMIT 1');
      await eventually(() => seen.filter((s) => s.id === eventId).length === 2, { timeoutMs: 5_000, what: 'the row inserted behind the relay published' });
      expect(statements).toContain('startTransaction');
      expect(await count(db.idle, 'published_at IS NULL')).toBe(0);
    } finally {
      dataSource.createQueryRunner = create;
    }
  });

  it('lets business transactions commit at once while the relay cannot reach Kafka: the claim does not lock out writers', async () => {
    // No broker listens on port 1: every publish hangs in connection retries, then fails.
    const stuck = await boot(db.down, { kafkaBrokers: ['127.0.0.1:1'], outboxPollMs: 100 });
    const items = stuck.app.get(ItemsService);
    await items.emit('down-1', 1);
    const durations: number[] = [];
    for (let seq = 2; seq <= 4; seq++) {
      // Give the woken relay time to claim the unpublished rows and start publishing.
      await sleep(300);
      const started = Date.now();
      await items.emit('down-1', seq);
      durations.push(Date.now() - started);
    }
    expect(Math.max(...durations), `commit times ${durations.join(', ')} ms`).toBeLessThan(1_000);
    expect(await count(db.down, 'published_at IS NULL')).toBe(4);
  });
});
