import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProductCreated, createEnvelope } from '@shop/contracts';
import { type RunningService, type ServiceDefinition, bootstrapService } from '@shop/platform';
import { eventually, uniqueName } from '@shop/testing';
import { DataSource } from 'typeorm';
import { ConsumerLog, ItemsService, callerService, consumerService, metricValue, producerService } from './fixtures/events-services.js';
import { envelopeHeaders } from '@shop/messaging';
import { MessageContextStore } from '@shop/messaging';
import { InProcessBroker } from '@shop/messaging';
import type { MessagingOptions } from '@shop/messaging';
import { RpcClient } from '@shop/messaging';
import { EventPublisher } from '@shop/messaging';

interface AppliedRow {
  event_id: string;
  aggregate_id: string;
  seq: number;
  name: string;
  instance: string;
  correlation_id: string;
  causation_id: string | null;
}

const CONSUMER = 'cart:CatalogEventsFixtureController.onProductCreated';

/**
 * Domain events over the in-process binding (the all-in-one mode) on SQLite:
 * test services booted by bootstrapService, events written through the
 * outbox, consumed through the inbox. Every test has its own broker,
 * namespace and databases.
 */
describe('domain events over the in-process binding', () => {
  let broker: InProcessBroker;
  let namespace: string;
  let dir: string;
  const running: RunningService[] = [];

  beforeEach(() => {
    broker = new InProcessBroker();
    namespace = uniqueName('t');
    dir = mkdtempSync(join(tmpdir(), 'shop-events-'));
  });

  afterEach(async () => {
    for (const s of running.splice(0).reverse()) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Boots a service on SQLite: `file` names a database file shared by instances, otherwise `:memory:`. */
  async function boot(def: ServiceDefinition, file?: string, messaging: Partial<MessagingOptions> = {}): Promise<RunningService> {
    const service = await bootstrapService(def, {
      env: { SHOP_TRANSPORT: 'in-process', DB_DRIVER: 'sqlite' },
      broker,
      httpPort: 0,
      logger: false,
      messaging: { namespace, ...messaging },
      database: { database: file ? join(dir, file) : ':memory:' },
    });
    running.push(service);
    return service;
  }

  const applied = (s: RunningService): Promise<AppliedRow[]> => s.app.get(DataSource).query('SELECT event_id, aggregate_id, seq, name, instance, correlation_id, causation_id FROM applied_events ORDER BY n');
  const unpublished = async (s: RunningService): Promise<number> => Number((await s.app.get(DataSource).query('SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL'))[0].n);
  /** The in-process publish resolves once every group has handled the record, so an empty outbox means every delivery is done. */
  const outboxDrained = (s: RunningService) => eventually(async () => (await unpublished(s)) === 0, { timeoutMs: 10_000, what: 'outbox drained' });

  it('applies every event once per consumer group: two groups each apply all K, and two instances of one group share them without double-applying', async () => {
    const producer = await boot(producerService());
    const cartA = await boot(consumerService('cart', 'cart-a'), 'cart.sqlite');
    const cartB = await boot(consumerService('cart', 'cart-b'), 'cart.sqlite');
    const order = await boot(consumerService('order'));
    const K = 24;
    const items = producer.app.get(ItemsService);

    const eventIds: string[] = [];
    for (let i = 0; i < K; i++) eventIds.push((await items.emit(`agg-${i}`, 1)).eventId);
    await outboxDrained(producer);

    const cartRows = await applied(cartA);
    const orderRows = await applied(order);
    expect(cartRows).toHaveLength(K);
    expect(orderRows).toHaveLength(K);
    expect(cartRows.map((r) => r.event_id).sort()).toEqual([...eventIds].sort());
    expect(orderRows.map((r) => r.event_id).sort()).toEqual([...eventIds].sort());
    // Both instances of the cart group took part, and between them applied each event once.
    const byInstance = (i: string) => cartRows.filter((r) => r.instance === i).length;
    expect(byInstance('cart-a')).toBeGreaterThan(0);
    expect(byInstance('cart-b')).toBeGreaterThan(0);
    expect(byInstance('cart-a') + byInstance('cart-b')).toBe(K);
    // Each record reached one instance of the group: no instance even saw (and dropped) another's event.
    const consumed = async (s: RunningService, outcome: string) => metricValue(await (await fetch(`${s.url}/metrics`)).text(), 'shop_events_consumed_total', { type: 'product.created', outcome });
    expect((await consumed(cartA, 'processed')) + (await consumed(cartB, 'processed'))).toBe(K);
    expect((await consumed(cartA, 'duplicate')) + (await consumed(cartB, 'duplicate'))).toBe(0);
    expect(await consumed(order, 'processed')).toBe(K);
    expect(cartA.app.get(ConsumerLog).attempts.size + cartB.app.get(ConsumerLog).attempts.size).toBe(K);
  });

  it('changes state once for an event delivered twice, and once more after a consumer restart; the inbox keeps one row per event and consumer', async () => {
    const producer = await boot(producerService());
    const cart = await boot(consumerService('cart', 'cart-1'), 'cart.sqlite');
    const publisher = producer.app.get(EventPublisher);
    const envelope = createEnvelope<ProductCreated>('product.created', { productId: 'agg-dup', slug: 'agg-dup-1', name: 'duplicated', price: { amount: 1, currency: 'EUR' }, status: 'ACTIVE', sellerId: null });
    const record = { topic: 'catalog.events', key: 'agg-dup', value: envelope, headers: envelopeHeaders(envelope) };

    await publisher.publish([record]);
    await publisher.publish([record]);

    expect((await applied(cart)).filter((r) => r.event_id === envelope.id)).toHaveLength(1);
    const firstMetrics = await (await fetch(`${cart.url}/metrics`)).text();
    expect(metricValue(firstMetrics, 'shop_events_consumed_total', { type: 'product.created', outcome: 'processed' })).toBe(1);
    expect(metricValue(firstMetrics, 'shop_events_consumed_total', { type: 'product.created', outcome: 'duplicate' })).toBe(1);

    await cart.close();
    running.splice(running.indexOf(cart), 1);
    const restarted = await boot(consumerService('cart', 'cart-2'), 'cart.sqlite');
    await publisher.publish([record]);

    const after = await (await fetch(`${restarted.url}/metrics`)).text();
    expect(metricValue(after, 'shop_events_consumed_total', { type: 'product.created', outcome: 'duplicate' })).toBe(1);
    const rows = (await applied(restarted)).filter((r) => r.event_id === envelope.id);
    expect(rows.map((r) => r.instance)).toEqual(['cart-1']);
    const inbox: Array<{ consumer: string }> = await restarted.app.get(DataSource).query('SELECT consumer FROM inbox WHERE event_id = ?', [envelope.id]);
    expect(inbox).toEqual([{ consumer: CONSUMER }]);
  });

  it('dead-letters a poison event after eventMaxAttempts with its error, counts it, and processes the events behind it on the same key', async () => {
    const producer = await boot(producerService());
    const cart = await boot(consumerService('cart'), undefined, { eventMaxAttempts: 3, eventRetryDelayMs: 10 });
    const items = producer.app.get(ItemsService);

    await items.emit('agg-p', 1);
    const poison = await items.emit('agg-p', 2, 'poison pill');
    await items.emit('agg-p', 3);
    await items.emit('agg-p', 4);
    await outboxDrained(producer);

    expect((await applied(cart)).map((r) => [r.aggregate_id, r.seq])).toEqual([
      ['agg-p', 1],
      ['agg-p', 3],
      ['agg-p', 4],
    ]);
    expect(cart.app.get(ConsumerLog).attempts.get(poison.eventId)).toBe(3);
    const dlt = broker.records(`${namespace}.catalog.events.dlt`);
    expect(dlt).toHaveLength(1);
    expect(dlt[0]!.value.id).toBe(poison.eventId);
    expect(dlt[0]!.headers).toMatchObject({ 'x-error': 'refusing poison event agg-p#2', 'x-consumer': CONSUMER, 'x-original-topic': 'catalog.events' });
    const metrics = await (await fetch(`${cart.url}/metrics`)).text();
    expect(metricValue(metrics, 'shop_dead_lettered_total', { kind: 'event', name: 'catalog.events' })).toBe(1);
    expect(metricValue(metrics, 'shop_events_consumed_total', { type: 'product.created', outcome: 'dead_lettered' })).toBe(1);
    // A dead-lettered event leaves no inbox row: a replay from the dead-letter topic is applied.
    expect(await cart.app.get(DataSource).query('SELECT COUNT(*) AS n FROM inbox WHERE event_id = ?', [poison.eventId])).toEqual([{ n: 0 }]);
  });

  it('gives the event the correlation id of the RPC request that caused it, and the request’s message id as causation', async () => {
    const producer = await boot(producerService({ rpc: true }));
    const cart = await boot(consumerService('cart'));
    const caller = await boot(callerService());
    const correlationId = uniqueName('corr');

    await MessageContextStore.run({ correlationId }, () => caller.app.get(RpcClient).send('product.create', { name: 'correlated', slug: 'agg-corr', price: { amount: 1, currency: 'EUR' } }));
    await outboxDrained(producer);

    const [item] = (await producer.app.get(DataSource).query('SELECT event_id, request_id, correlation_id FROM fixture_items')) as Array<{ event_id: string; request_id: string; correlation_id: string }>;
    expect(item!.correlation_id).toBe(correlationId);
    expect(item!.request_id).toMatch(/^[0-9a-f-]{36}$/);
    const [event] = broker.records(`${namespace}.catalog.events`);
    expect(event!.value).toMatchObject({ id: item!.event_id, correlationId, causationId: item!.request_id });
    expect(event!.headers).toMatchObject({ 'x-correlation-id': correlationId, 'x-causation-id': item!.request_id });
    expect(await applied(cart)).toEqual([expect.objectContaining({ event_id: item!.event_id, correlation_id: correlationId, causation_id: item!.request_id })]);
  });
});
