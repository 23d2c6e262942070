import { resolve } from 'node:path';
import { type Envelope, type ProductCreated, createEnvelope } from '@shop/contracts';
import { type RunningService, type ServiceDefinition, bootstrapService } from '@shop/platform';
import { createDatabases, dropDatabases, eventually, queryDatabase, spawnNode, uniqueName } from '@shop/testing';
import amqp from 'amqplib';
import { type Admin, Kafka, type Producer, logLevel } from 'kafkajs';
import { MessageContextStore, type MessagingOptions, RpcClient, ensureKafkaTopics, envelopeHeaders } from '@shop/messaging';
import { ConsumerLog, ItemsService, callerService, consumerService, metricValue, producerService } from './fixtures/events-services.js';

const KAFKA_BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const RABBITMQ_URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const CART = 'cart:CatalogEventsFixtureController.onProductCreated';
const ORDER = 'order:CatalogEventsFixtureController.onProductCreated';

interface AppliedRow {
  event_id: string;
  aggregate_id: string;
  seq: number;
  instance: string;
  correlation_id: string;
  causation_id: string | null;
}

/**
 * Domain events on real Kafka and MariaDB: test services booted by
 * bootstrapService (producer writing through the outbox, two consumer groups
 * `cart` (two instances) and `order` writing through the inbox), one
 * namespace and fresh databases for the whole file.
 */
describe('domain events over Kafka with MariaDB outbox and inbox', () => {
  const namespace = uniqueName('t');
  const suffix = namespace.replace(/-/g, '_');
  const db = { producer: `ev_${suffix}_p`, crash: `ev_${suffix}_r`, cart: `ev_${suffix}_c`, order: `ev_${suffix}_o` };
  const topic = `${namespace}.catalog.events`;
  const kafka = new Kafka({ clientId: 'events-int-spec', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const running: RunningService[] = [];
  let admin: Admin;
  let rawProducer: Producer;
  let producer: RunningService;
  let cartA: RunningService;
  let cartB: RunningService;
  let order: RunningService;
  let caller: RunningService;

  async function boot(def: ServiceDefinition, database?: string, messaging: Partial<MessagingOptions> = {}): Promise<RunningService> {
    const service = await bootstrapService(def, {
      env: { ...process.env, SHOP_TRANSPORT: 'broker', DB_DRIVER: 'mysql', SHOP_NAMESPACE: namespace },
      httpPort: 0,
      logger: false,
      messaging: { kafkaBrokers: KAFKA_BROKERS, rabbitmqUrl: RABBITMQ_URL, ...messaging },
      ...(database ? { database: { database } } : {}),
    });
    running.push(service);
    return service;
  }

  async function stop(service: RunningService): Promise<void> {
    await service.close();
    running.splice(running.indexOf(service), 1);
  }

  const consumerOptions: Partial<MessagingOptions> = { eventMaxAttempts: 3, eventRetryDelayMs: 50 };
  const bootConsumer = (group: 'cart' | 'order', instance: string) => boot(consumerService(group, instance), db[group], consumerOptions);

  const applied = (database: string, aggregatePrefix: string) =>
    queryDatabase<AppliedRow>(database, 'SELECT event_id, aggregate_id, seq, instance, correlation_id, causation_id FROM applied_events WHERE aggregate_id LIKE ? ORDER BY n', [`${aggregatePrefix}%`]);

  /** Records of the topic the group has not committed yet; 0 once it has handled everything published. */
  async function lag(group: 'cart' | 'order'): Promise<number> {
    const [committed] = await admin.fetchOffsets({ groupId: `${namespace}.${group}`, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return ends.reduce((sum, end) => {
      const at = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      return sum + Number(end.high) - (at < 0 ? Number(end.low) : at);
    }, 0);
  }

  const settled = (...groups: Array<'cart' | 'order'>) =>
    eventually(async () => (await Promise.all(groups.map(lag))).every((n) => n === 0), { timeoutMs: 30_000, intervalMs: 200, what: `groups ${groups.join(', ')} caught up` });

  /** Waits until the group has `members` members with partitions assigned (a finished rebalance). */
  const groupStable = (group: 'cart' | 'order', members: number) =>
    eventually(
      async () => {
        const { groups } = await admin.describeGroups([`${namespace}.${group}`]);
        const g = groups[0];
        return g?.state === 'Stable' && g.members.length === members && g.members.every((m) => m.memberAssignment.length > 0);
      },
      { timeoutMs: 45_000, intervalMs: 250, what: `consumer group ${group} stable with ${members} members` },
    );

  /** Publishes through the outbox and waits until every group has applied it: the consumers are consuming. */
  async function probe(): Promise<void> {
    const aggregate = uniqueName('probe');
    await producer.app.get(ItemsService).emit(aggregate, 1);
    await eventually(async () => (await applied(db.cart, aggregate)).length === 1 && (await applied(db.order, aggregate)).length === 1, { timeoutMs: 30_000, intervalMs: 200, what: 'probe event consumed by both groups' });
  }

  const metrics = async (s: RunningService) => (await fetch(`${s.url}/metrics`)).text();
  const consumed = async (s: RunningService, outcome: string) => metricValue(await metrics(s), 'shop_events_consumed_total', { type: 'product.created', outcome });

  beforeAll(async () => {
    await createDatabases(Object.values(db));
    await ensureKafkaTopics({ kafkaBrokers: KAFKA_BROKERS, namespace });
    admin = kafka.admin();
    await admin.connect();
    rawProducer = kafka.producer({ allowAutoTopicCreation: false });
    await rawProducer.connect();
    producer = await boot(producerService({ rpc: true }), db.producer);
    // One at a time: the first instance of a database applies its migrations.
    cartA = await bootConsumer('cart', 'cart-a');
    cartB = await bootConsumer('cart', 'cart-b');
    order = await bootConsumer('order', 'order-1');
    caller = await boot(callerService());
    await Promise.all([groupStable('cart', 2), groupStable('order', 1)]);
    await probe();
    await settled('cart', 'order');
  }, 120_000);

  afterAll(async () => {
    // In parallel: a Kafka consumer takes up to its fetch wait (5 s) to leave its group.
    await Promise.all(running.splice(0).map((s) => s.close().catch(() => undefined)));
    await rawProducer?.disconnect();
    await admin?.disconnect();
    const conn = await amqp.connect(RABBITMQ_URL);
    const ch = await conn.createChannel();
    await ch.deleteQueue(`${namespace}.product.rpc`);
    await conn.close();
    await dropDatabases(Object.values(db));
  }, 60_000);

  it('delivers every outbox event to each consumer group once: both groups apply all K, the two cart instances share them and none is applied twice', async () => {
    const K = 30;
    const items = producer.app.get(ItemsService);
    const eventIds: string[] = [];
    for (let i = 0; i < K; i++) eventIds.push((await items.emit(`g-${i}`, 1)).eventId);

    await eventually(async () => (await applied(db.cart, 'g-')).length >= K && (await applied(db.order, 'g-')).length >= K, { timeoutMs: 30_000, intervalMs: 200, what: `${K} events applied by both groups` });
    await settled('cart', 'order');

    const cartRows = await applied(db.cart, 'g-');
    const orderRows = await applied(db.order, 'g-');
    expect(cartRows.map((r) => r.event_id).sort()).toEqual([...eventIds].sort());
    expect(orderRows.map((r) => r.event_id).sort()).toEqual([...eventIds].sort());
    const byA = cartRows.filter((r) => r.instance === 'cart-a').length;
    const byB = cartRows.filter((r) => r.instance === 'cart-b').length;
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(byA + byB).toBe(K);
    // Each record went to one member of the group: no instance received (and dropped) the other's records.
    expect((await consumed(cartA, 'duplicate')) + (await consumed(cartB, 'duplicate'))).toBe(0);
    expect(cartA.app.get(ConsumerLog).attempts.size + cartB.app.get(ConsumerLog).attempts.size).toBe(K + 1); // + the probe
  });

  it('changes state once for an event delivered twice and once more after the consumer restarts; one inbox row per event and consumer', async () => {
    const envelope = createEnvelope<ProductCreated>('product.created', { productId: 'dup-1', slug: 'dup-1', name: 'delivered thrice', price: { amount: 1, currency: 'EUR' }, status: 'ACTIVE', sellerId: null });
    const send = () => rawProducer.send({ topic, acks: -1, messages: [{ key: 'dup-1', value: JSON.stringify(envelope), headers: envelopeHeaders(envelope) }] });

    await send();
    await send();
    await eventually(async () => (await applied(db.order, 'dup-')).length >= 1, { timeoutMs: 20_000, what: 'duplicated event applied' });
    await settled('cart', 'order');
    expect(await consumed(order, 'duplicate')).toBe(1);

    await stop(order);
    order = await bootConsumer('order', 'order-2');
    await send();
    await settled('order');

    // The restarted instance received the third copy and dropped it.
    expect(await consumed(order, 'duplicate')).toBeGreaterThanOrEqual(1);
    expect(await consumed(order, 'processed')).toBe(0);
    expect((await applied(db.order, 'dup-')).map((r) => r.instance)).toEqual(['order-1']);
    expect((await applied(db.cart, 'dup-')).map((r) => r.event_id)).toEqual([envelope.id]);
    expect(await queryDatabase(db.order, 'SELECT consumer FROM inbox WHERE event_id = ?', [envelope.id])).toEqual([{ consumer: ORDER }]);
    expect(await queryDatabase(db.cart, 'SELECT consumer FROM inbox WHERE event_id = ?', [envelope.id])).toEqual([{ consumer: CART }]);
  });

  it('dead-letters a poison event after eventMaxAttempts with its error, counts it, and processes the events behind it on the same key', async () => {
    const items = producer.app.get(ItemsService);
    await items.emit('poison-agg', 1);
    const poison = await items.emit('poison-agg', 2, 'poison pill');
    await items.emit('poison-agg', 3);
    await items.emit('poison-agg', 4);

    await eventually(async () => (await applied(db.cart, 'poison-agg')).length === 3 && (await applied(db.order, 'poison-agg')).length === 3, { timeoutMs: 30_000, intervalMs: 200, what: 'events behind the poison one applied' });
    await settled('cart', 'order');

    expect((await applied(db.cart, 'poison-agg')).map((r) => r.seq)).toEqual([1, 3, 4]);
    expect((await applied(db.order, 'poison-agg')).map((r) => r.seq)).toEqual([1, 3, 4]);
    expect((cartA.app.get(ConsumerLog).attempts.get(poison.eventId) ?? 0) + (cartB.app.get(ConsumerLog).attempts.get(poison.eventId) ?? 0)).toBe(3);
    expect(order.app.get(ConsumerLog).attempts.get(poison.eventId)).toBe(3);

    // The dead-letter topic holds it once per group, with the error.
    const dlt: Array<{ value: Envelope; headers: Record<string, string> }> = [];
    const reader = kafka.consumer({ groupId: uniqueName(`${namespace}.dlt-reader`) });
    await reader.connect();
    try {
      await reader.subscribe({ topic: `${topic}.dlt`, fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          dlt.push({ value: JSON.parse(String(message.value)) as Envelope, headers });
        },
      });
      await eventually(() => dlt.length >= 2, { timeoutMs: 30_000, what: 'two dead-lettered records' });
    } finally {
      await reader.disconnect();
    }
    expect(dlt.map((r) => r.value.id)).toEqual([poison.eventId, poison.eventId]);
    expect(dlt.map((r) => r.headers['x-consumer']).sort()).toEqual([CART, ORDER]);
    for (const r of dlt) expect(r.headers).toMatchObject({ 'x-error': 'refusing poison event poison-agg#2', 'x-original-topic': 'catalog.events', 'x-message-id': poison.eventId });

    const deadLettered = async (s: RunningService) => metricValue(await metrics(s), 'shop_dead_lettered_total', { kind: 'event', name: 'catalog.events' });
    expect((await deadLettered(cartA)) + (await deadLettered(cartB))).toBe(1);
    expect(await deadLettered(order)).toBe(1);
  });

  it('publishes every event a crashed producer committed but never published, once the service restarts on its database', async () => {
    const N = 12;
    const child = spawnNode(resolve(import.meta.dirname, 'fixtures/events-crash-producer.ts'), {
      SHOP_NAMESPACE: namespace,
      CRASH_DATABASE: db.crash,
      CRASH_ROWS: String(N),
      CRASH_AGGREGATE: 'crash',
      // No broker listens there: the relay runs but cannot publish.
      KAFKA_BROKERS: '127.0.0.1:1',
    });
    try {
      await child.waitForOutput(new RegExp(`committed ${N} events`), 60_000);
      const committed = (await queryDatabase<{ id: string; published_at: Date | null }>(db.crash, 'SELECT id, published_at FROM outbox ORDER BY seq'));
      expect(committed).toHaveLength(N);
      expect(committed.every((r) => r.published_at === null)).toBe(true);
      expect(await queryDatabase(db.crash, 'SELECT COUNT(*) AS n FROM fixture_items')).toEqual([{ n: N }]);
    } finally {
      await child.stop('SIGKILL');
    }
    expect(child.child.signalCode).toBe('SIGKILL');
    const ids = (await queryDatabase<{ id: string }>(db.crash, 'SELECT id FROM outbox WHERE published_at IS NULL')).map((r) => r.id);
    expect(ids).toHaveLength(N);

    await boot(producerService(), db.crash);
    await eventually(async () => (await applied(db.cart, 'crash-')).length >= N && (await applied(db.order, 'crash-')).length >= N, { timeoutMs: 30_000, intervalMs: 200, what: 'the crashed producer’s events applied' });
    await settled('cart', 'order');

    expect((await applied(db.cart, 'crash-')).map((r) => r.event_id).sort()).toEqual([...ids].sort());
    expect((await applied(db.order, 'crash-')).map((r) => r.event_id).sort()).toEqual([...ids].sort());
    expect(await queryDatabase(db.crash, 'SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL')).toEqual([{ n: 0 }]);
  });

  it('gives the event the correlation id of the RPC request that caused it, and the request’s message id as causation', async () => {
    const correlationId = uniqueName('corr');
    await MessageContextStore.run({ correlationId }, () => caller.app.get(RpcClient).send('product.create', { name: 'correlated', slug: 'corr-1', price: { amount: 1, currency: 'EUR' } }, { timeoutMs: 10_000 }));

    const [item] = await queryDatabase<{ event_id: string; request_id: string; correlation_id: string }>(db.producer, 'SELECT event_id, request_id, correlation_id FROM fixture_items WHERE aggregate_id = ?', ['corr-1']);
    expect(item).toMatchObject({ correlation_id: correlationId, request_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    await eventually(async () => (await applied(db.cart, 'corr-')).length === 1 && (await applied(db.order, 'corr-')).length === 1, { timeoutMs: 20_000, what: 'correlated event applied' });
    for (const database of [db.cart, db.order]) {
      expect(await applied(database, 'corr-')).toEqual([expect.objectContaining({ event_id: item!.event_id, correlation_id: correlationId, causation_id: item!.request_id })]);
    }
  });
});
