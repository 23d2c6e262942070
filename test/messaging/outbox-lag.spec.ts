import { createEnvelope } from '@shop/contracts';
import { createDataSource, databaseOptionsFromEnv } from '@shop/database';
import {
  MESSAGING_MIGRATIONS,
  InboxEntry,
  InProcessBroker,
  InProcessEventPublisher,
  MessagingMetrics,
  OutboxMessage,
  OutboxRelay,
  messagingOptionsFromEnv,
} from '@shop/messaging';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

/**
 * The outbox lag gauges, read from the outbox table when the registry is
 * scraped (SQLite, the relay not running): rows waiting and the age of the
 * oldest, back to zero once the relay has published them.
 */
describe('outbox lag metrics', () => {
  let ds: DataSource;
  let registry: Registry;
  let relay: OutboxRelay;

  beforeEach(async () => {
    ds = createDataSource(databaseOptionsFromEnv('user', { DB_DRIVER: 'sqlite', DB_SQLITE_DIR: ':memory:' }), { entities: [OutboxMessage, InboxEntry], migrations: [...MESSAGING_MIGRATIONS] });
    await ds.initialize();
    await ds.runMigrations();
    registry = new Registry();
    const options = messagingOptionsFromEnv('user', { SHOP_TRANSPORT: 'in-process' });
    relay = new OutboxRelay(ds, new InProcessEventPublisher(new InProcessBroker(), options), new MessagingMetrics(registry), options);
  });

  afterEach(async () => {
    await ds.destroy();
  });

  async function row(ageSeconds: number, published = false): Promise<void> {
    const envelope = createEnvelope('user.registered', { userId: `u-${ageSeconds}`, email: 'a@b.test', displayName: 'A', roles: ['CUSTOMER'] });
    const at = new Date(Date.now() - ageSeconds * 1000);
    await ds.manager.insert(OutboxMessage, { id: envelope.id, topic: 'user.events', type: 'user.registered', aggregateId: `u-${ageSeconds}`, envelope: JSON.stringify(envelope), createdAt: at, publishedAt: published ? at : null });
  }

  async function scrape(): Promise<Record<string, number>> {
    const text = await registry.metrics();
    return Object.fromEntries([...text.matchAll(/^(shop_outbox_\w+) (\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  }

  it('reports the rows waiting and the age of the oldest, and zero once they are published', async () => {
    expect(await scrape()).toEqual({ shop_outbox_pending_messages: 0, shop_outbox_oldest_pending_age_seconds: 0 });
    await row(3600, true); // published long ago: not waiting
    await row(90);
    await row(30);
    const waiting = await scrape();
    expect(waiting['shop_outbox_pending_messages']).toBe(2);
    expect(waiting['shop_outbox_oldest_pending_age_seconds']).toBeGreaterThanOrEqual(90);
    expect(waiting['shop_outbox_oldest_pending_age_seconds']).toBeLessThan(95);

    expect(await relay.drain()).toBe(2);
    expect(await scrape()).toEqual({ shop_outbox_pending_messages: 0, shop_outbox_oldest_pending_age_seconds: 0 });
    expect(await registry.getSingleMetric('shop_events_published_total')!.get()).toMatchObject({ values: [{ labels: { topic: 'user.events', type: 'user.registered' }, value: 2 }] });
  });

  it('keeps the last values when the query fails (the scrape itself does not fail)', async () => {
    await row(60);
    expect((await scrape())['shop_outbox_pending_messages']).toBe(1);
    await ds.query('DROP TABLE outbox');
    expect((await scrape())['shop_outbox_pending_messages']).toBe(1);
  });
});
