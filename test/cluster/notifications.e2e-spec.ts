import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { type DeadLetterView, type EventType, type MailboxMessageView, type OrderStatusChanged, type Page, createEnvelope } from '@shop/contracts';
import { KafkaEventPublisher, messagingOptionsFromEnv, retryDelay, retryQueueName } from '@shop/messaging';
import { type SpawnedProcess, createDatabases, dropDatabases, eventually, queryDatabase, spawnNode, uniqueName, waitForHttp, withChannel, freePort, freePortBlock } from '@shop/testing';
import { SmtpSink } from '../notification/smtp-sink.js';

const root = resolve(import.meta.dirname, '../..');
const ADMIN = { email: 'admin@notify-cluster.test', password: 'copper-lagoon-walrus-58' };
const MAX_ATTEMPTS = 5;
const RETRY_DELAY_MS = 300;


/**
 * The notification app as deployed: its own process from dist/, its MariaDB
 * database, order events from Kafka, jobs on a RabbitMQ quorum queue with
 * retries and a dead-letter queue, mail through a real SMTP server that the
 * test stops and starts; the admin reads and replays through the gateway.
 */
describe('cluster: notifications from Kafka order events through RabbitMQ jobs to SMTP', () => {
  const namespace = uniqueName('e2en').replace(/-/g, '');
  const dbPrefix = `${namespace}_`;
  const base = freePortBlock(10);
  const port = { gateway: base, user: base + 1, notification: base + 5 };
  const sink = new SmtpSink();
  let smtpPort: number;
  const processes = new Map<string, SpawnedProcess>();
  let publisher: KafkaEventPublisher;
  let adminToken: string;
  const gateway = `http://127.0.0.1:${port.gateway}`;
  const env = { SHOP_NAMESPACE: namespace, DB_NAME_PREFIX: dbPrefix, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092' };

  beforeAll(async () => {
    await createDatabases([`${dbPrefix}user`, `${dbPrefix}notification`]);
    smtpPort = await sink.start(await freePort());
    processes.set('user', spawnNode(resolve(root, 'dist/apps/user/src/main.js'), { ...env, HTTP_PORT: String(port.user) }));
    processes.set(
      'notification',
      spawnNode(resolve(root, 'dist/apps/notification/src/main.js'), { ...env, HTTP_PORT: String(port.notification), SMTP_URL: sink.url(smtpPort), MAIL_FROM: 'Shop <orders@cluster.test>', JOB_MAX_ATTEMPTS: String(MAX_ATTEMPTS), JOB_RETRY_DELAY_MS: String(RETRY_DELAY_MS) }),
    );
    processes.set('gateway', spawnNode(resolve(root, 'dist/apps/gateway/src/main.js'), { ...env, HTTP_PORT: String(port.gateway) }));
    for (const [name, p] of Object.entries(port)) {
      await waitForHttp(`http://127.0.0.1:${p}/health/ready`, { timeoutMs: 60_000 }).catch((err: unknown) => {
        console.error(processes.get(name)?.output().slice(-4000));
        throw err;
      });
    }
    publisher = new KafkaEventPublisher(messagingOptionsFromEnv('order', { ...process.env, ...env, SHOP_TRANSPORT: 'broker' }));
    const login = await fetch(`${gateway}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    adminToken = ((await login.json()) as { accessToken: string }).accessToken;
  });

  afterAll(async () => {
    await publisher?.close();
    await Promise.all([...processes.values()].map((p) => p.stop('SIGKILL')));
    await sink.stop();
    await dropDatabases([`${dbPrefix}user`, `${dbPrefix}notification`]);
    const work = `${namespace}.notifications`;
    const queues = [work, `${work}.dlq`, `${namespace}.notification.rpc`, `${namespace}.user.rpc`, ...Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => retryQueueName(work, retryDelay(RETRY_DELAY_MS, i + 2)))];
    await withChannel(async (ch) => {
      for (const q of queues) await ch.deleteQueue(q);
    }).catch(() => undefined);
  });

  function orderEvent(status: OrderStatusChanged['status'], email: string): OrderStatusChanged {
    return { orderId: randomUUID(), customerId: randomUUID(), customerEmail: email, status, lines: [{ productId: randomUUID(), quantity: 1, sellerId: null }], total: { amount: 1_250, currency: 'EUR' }, reason: status === 'CANCELLED' ? 'payment declined' : null };
  }

  /** Publishes an order event to Kafka as the order service's outbox relay does (topic order.events, key the order id). */
  async function publish(type: EventType, e: OrderStatusChanged): Promise<string> {
    const envelope = createEnvelope(type, e);
    await publisher.publish([{ topic: 'order.events', key: e.orderId, value: envelope, headers: {} }]);
    return envelope.id;
  }

  async function admin<T>(method: string, path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${gateway}/api/v1/admin/notifications${path}`, { method, headers: { authorization: `Bearer ${adminToken}` } });
    return { status: res.status, body: (await res.json()) as T };
  }

  it('the notification app reports its database and both brokers ready', async () => {
    const ready = (await (await fetch(`http://127.0.0.1:${port.notification}/health/ready`)).json()) as { checks: Record<string, { status: string }> };
    expect(ready.checks).toEqual({ database: { status: 'up' }, rabbitmq: { status: 'up' }, kafka: { status: 'up' } });
  });

  it('loses no mail while the SMTP server is down for a few seconds: every expected mail arrives exactly once', async () => {
    const types: Array<[EventType, OrderStatusChanged['status']]> = [
      ['order.confirmed', 'CONFIRMED'],
      ['order.paid', 'PAID'],
      ['order.shipped', 'SHIPPED'],
      ['order.cancelled', 'CANCELLED'],
    ];
    const expected: Array<{ email: string; eventId: string; orderId: string }> = [];
    const run = randomUUID().slice(0, 8);
    for (let i = 0; i < 24; i++) {
      if (i === 6) await sink.stop();
      if (i === 18) await sink.start(smtpPort);
      const [type, status] = types[i % types.length]!;
      const email = `c${i}.${run}@example.com`;
      const e = orderEvent(status, email);
      expected.push({ email, eventId: await publish(type, e), orderId: e.orderId });
      await new Promise((r) => setTimeout(r, 150));
    }
    const mine = () => sink.received.filter((m) => m.to[0]?.endsWith(`.${run}@example.com`));

    await eventually(() => mine().length >= expected.length, { timeoutMs: 60_000, intervalMs: 200, what: 'every mail at the SMTP server' }).catch((err: unknown) => {
      console.error(processes.get('notification')!.output().slice(-6000));
      throw err;
    });
    await new Promise((r) => setTimeout(r, 2_000));

    const got = mine();
    expect(got).toHaveLength(expected.length);
    for (const x of expected) {
      const mails = got.filter((m) => m.to[0] === x.email);
      expect(mails, x.email).toHaveLength(1);
      expect(mails[0]!.headers['subject']).toContain(x.orderId);
    }
    // Some jobs did fail and were retried (the server was down), none was dead-lettered.
    expect(processes.get('notification')!.output()).toMatch(/job failed; retrying/);
    const dead = await admin<Page<DeadLetterView>>('GET', '/dead-letters?pageSize=100');
    expect(dead.body.items.filter((d) => (d.payload as { to?: string }).to?.endsWith(`.${run}@example.com`))).toEqual([]);
    // And the mailbox holds one smtp copy of each, read through the gateway.
    const copies = await queryDatabase<{ n: number }>(`${dbPrefix}notification`, "SELECT COUNT(*) AS n FROM mailbox_messages WHERE recipient LIKE ? AND channel = 'smtp'", [`%.${run}@example.com`]);
    expect(Number(copies[0]!.n)).toBe(expected.length);
    const one = await admin<Page<MailboxMessageView>>('GET', `?to=${encodeURIComponent(expected[0]!.email)}`);
    expect(one.body.items).toEqual([expect.objectContaining({ to: expected[0]!.email, template: 'order-confirmed', channel: 'smtp', key: `${expected[0]!.eventId}:order-confirmed` })]);
  });

  it('dead-letters a mail the server keeps refusing, lists it for the admin with its error, and the admin replay over HTTP delivers it once', async () => {
    const email = `refused.${randomUUID().slice(0, 8)}@example.com`;
    sink.refuse.add(email);
    const e = orderEvent('PAID', email);
    const eventId = await publish('order.paid', e);

    const dead = await eventually(async () => (await admin<Page<DeadLetterView>>('GET', '/dead-letters?pageSize=100')).body.items.find((d) => (d.payload as { to?: string }).to === email), {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'the dead letter listed through the gateway',
    });
    expect(dead).toMatchObject({ queue: 'notifications', attempts: MAX_ATTEMPTS, replays: 0, replayedAt: null, payload: { template: 'order-paid', key: `${eventId}:order-paid` } });
    expect(dead.error).toMatch(/550/);
    expect(sink.received.filter((m) => m.to.includes(email))).toEqual([]);
    const [row] = await queryDatabase<{ n: number }>(`${dbPrefix}notification`, 'SELECT COUNT(*) AS n FROM dead_letters WHERE job_id = ?', [dead.jobId]);
    expect(Number(row!.n)).toBe(1);

    sink.refuse.delete(email);
    const replay = await admin<DeadLetterView>('POST', `/dead-letters/${dead.id}/replay`);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id: dead.id, replays: 1 });

    await eventually(() => sink.received.some((m) => m.to.includes(email)), { timeoutMs: 15_000, what: 'the replayed mail' });
    await new Promise((r) => setTimeout(r, 1_500));
    const mails = sink.received.filter((m) => m.to.includes(email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.headers['subject']).toBe(`Payment received for order ${e.orderId}`);
    expect((await admin<Page<DeadLetterView>>('GET', '/dead-letters?pageSize=100')).body.items.find((d) => d.id === dead.id)).toMatchObject({ replays: 1, replayedAt: expect.any(String) });
  });

  it('never writes the SMTP password to its log', () => {
    expect(processes.get('notification')!.output()).not.toContain(sink.password);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    expect(await processes.get('notification')!.stop('SIGTERM', 15_000)).toBe(0);
  });
});
