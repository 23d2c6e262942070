import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DeadLetterView, Envelope, EventType, MailboxMessageView, NotificationTemplate, OrderStatusChanged, Page } from '@shop/contracts';
import { EventPublisher, JobQueue, OutboxService } from '@shop/messaging';
import { eventually, freePort } from '@shop/testing';
import { DataSource } from 'typeorm';
import { type Platform, startPlatform } from '../../apps/all-in-one/src/platform.js';
import { SmtpSink } from '../notification/smtp-sink.js';

const ADMIN = { email: 'notify.admin@aio.test', password: 'amber-compass-harbor-93' };

/**
 * The notification flow in the all-in-one mode: order events leave the order
 * service's outbox, the notification service turns each into a job on its
 * work queue, the worker renders and delivers it, and an admin reads the
 * result (mailbox, dead letters) through the gateway.
 */
async function boot(env: Record<string, string>): Promise<{ platform: Platform; dataDir: string; token: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shop-notify-'));
  const platform = await startPlatform({ DB_SQLITE_DIR: dataDir, SEED_DEMO_PRODUCTS: '0', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, ...env }, { freePorts: true, logger: false });
  const login = await fetch(`${platform.gatewayUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  const token = ((await login.json()) as { accessToken: string }).accessToken;
  return { platform, dataDir, token };
}

function orderEvent(status: OrderStatusChanged['status'], email: string, extra: Partial<OrderStatusChanged> = {}): OrderStatusChanged {
  return {
    orderId: randomUUID(),
    customerId: randomUUID(),
    customerEmail: email,
    status,
    lines: [
      { productId: randomUUID(), quantity: 2, sellerId: null },
      { productId: randomUUID(), quantity: 1, sellerId: randomUUID() },
    ],
    total: { amount: 4_598, currency: 'EUR' },
    reason: null,
    ...extra,
  };
}

/** Emits an order event as the order service does: an outbox row in its transaction, published by its relay. */
async function emit(platform: Platform, type: EventType, e: OrderStatusChanged): Promise<Envelope> {
  const order = platform.services.find((s) => s.name === 'order')!.app;
  const ds = order.get(DataSource);
  await ds.transaction((m) => order.get(OutboxService).add(m, type, e.orderId, e as never));
  const [row] = (await ds.query('SELECT envelope FROM outbox WHERE aggregate_id = ? AND type = ?', [e.orderId, type])) as Array<{ envelope: string }>;
  return JSON.parse(row!.envelope) as Envelope;
}

async function admin<T>(platform: Platform, token: string, method: string, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${platform.gatewayUrl}/api/v1/admin/notifications${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as T };
}

describe('all-in-one: order events become e-mails in the notification mailbox', () => {
  let platform: Platform;
  let dataDir: string;
  let token: string;

  beforeAll(async () => {
    ({ platform, dataDir, token } = await boot({}));
  });

  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const mailbox = (query: string) => admin<Page<MailboxMessageView>>(platform, token, 'GET', `?pageSize=100&${query}`);

  it('delivers one message per order.confirmed, paid, shipped and cancelled event, from its template, to the customer', async () => {
    const email = `ada.${randomUUID().slice(0, 8)}@example.com`;
    const cases: Array<[EventType, NotificationTemplate, OrderStatusChanged]> = [
      ['order.confirmed', 'order-confirmed', orderEvent('CONFIRMED', email)],
      ['order.paid', 'order-paid', orderEvent('PAID', email)],
      ['order.shipped', 'order-shipped', orderEvent('SHIPPED', email)],
      ['order.cancelled', 'order-cancelled', orderEvent('CANCELLED', email, { reason: 'customer asked\r\nBcc: evil@example.com' })],
    ];
    const envelopes = [];
    for (const [type, , e] of cases) envelopes.push(await emit(platform, type, e));

    const page = await eventually(async () => {
      const r = await mailbox(`to=${encodeURIComponent(email)}`);
      return r.body.total === 4 && r.body;
    }, { timeoutMs: 15_000, what: 'four messages in the mailbox' });

    expect(page.items.map((m) => m.template).sort()).toEqual(['order-cancelled', 'order-confirmed', 'order-paid', 'order-shipped']);
    for (const [i, [, template, e]] of cases.entries()) {
      const m = page.items.find((x) => x.template === template)!;
      expect(m).toMatchObject({ to: email, channel: 'mailbox', key: `${envelopes[i]!.id}:${template}` });
      expect(m.subject).toContain(e.orderId);
      expect(m.text).toContain(e.orderId);
    }
    expect(page.items.find((m) => m.template === 'order-confirmed')!.text).toContain('3 item(s), 45.98 EUR');
    // The reason is one line of text: it cannot add a line (or a header) of its own.
    const cancelled = page.items.find((m) => m.template === 'order-cancelled')!;
    expect(cancelled.text).toContain('Reason: customer asked Bcc: evil@example.com');
    expect(cancelled.text).not.toMatch(/^Bcc:/m);
  });

  it('delivers an event that arrives twice once', async () => {
    const email = `bob.${randomUUID().slice(0, 8)}@example.com`;
    const envelope = await emit(platform, 'order.paid', orderEvent('PAID', email));
    await eventually(async () => (await mailbox(`to=${encodeURIComponent(email)}`)).body.total === 1, { timeoutMs: 15_000, what: 'the first delivery' });

    // The same record again, as a broker redelivers it.
    const order = platform.services.find((s) => s.name === 'order')!.app;
    await order.get(EventPublisher).publish([{ topic: 'order.events', key: (envelope.payload as OrderStatusChanged).orderId, value: envelope, headers: {} }]);
    await order.get(EventPublisher).publish([{ topic: 'order.events', key: (envelope.payload as OrderStatusChanged).orderId, value: envelope, headers: {} }]);
    await new Promise((r) => setTimeout(r, 1_000));

    const r = await mailbox(`to=${encodeURIComponent(email)}`);
    expect(r.body.items.map((m) => [m.template, m.key])).toEqual([['order-paid', `${envelope.id}:order-paid`]]);
  });

  it('stores a job enqueued twice with the same key once (the at-least-once enqueue of a handler whose inbox commit failed)', async () => {
    const email = `bo.${randomUUID().slice(0, 8)}@example.com`;
    const jobs = platform.services.find((s) => s.name === 'notification')!.app.get(JobQueue);
    const job = { template: 'order-paid' as const, to: email, key: `${randomUUID()}:order-paid`, data: { orderId: randomUUID(), total: { amount: 100, currency: 'EUR' }, itemCount: 1, reason: null } };
    await Promise.all([jobs.enqueue('notifications', job), jobs.enqueue('notifications', job)]);
    await jobs.enqueue('notifications', job);
    await eventually(async () => (await mailbox(`to=${encodeURIComponent(email)}`)).body.total >= 1, { timeoutMs: 15_000, what: 'the delivery' });
    await new Promise((r) => setTimeout(r, 500));
    expect((await mailbox(`to=${encodeURIComponent(email)}`)).body.items.map((m) => m.key)).toEqual([job.key]);
  });

  it('filters the mailbox by template and pages it', async () => {
    const email = `cy.${randomUUID().slice(0, 8)}@example.com`;
    for (let i = 0; i < 3; i++) await emit(platform, 'order.shipped', orderEvent('SHIPPED', email));
    await emit(platform, 'order.paid', orderEvent('PAID', email));
    await eventually(async () => (await mailbox(`to=${encodeURIComponent(email)}`)).body.total === 4, { timeoutMs: 15_000, what: 'four messages' });

    const shipped = await admin<Page<MailboxMessageView>>(platform, token, 'GET', `?to=${encodeURIComponent(email)}&template=order-shipped&pageSize=2&page=2`);
    expect(shipped.status).toBe(200);
    expect(shipped.body).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(shipped.body.items).toHaveLength(1);
    expect((await admin(platform, token, 'GET', '?template=order-lost')).status).toBe(400);
  });

  it('answers replay of an unknown dead letter with 404 NOTIFICATION.NOT_FOUND', async () => {
    const r = await admin<{ code: string }>(platform, token, 'POST', `/dead-letters/${randomUUID()}/replay`);
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('NOTIFICATION.NOT_FOUND');
  });
});

describe('all-in-one: SMTP delivery, dead letters and their replay', () => {
  let platform: Platform;
  let dataDir: string;
  let token: string;
  let port: number;
  const sink = new SmtpSink();
  const maxAttempts = 3;

  beforeAll(async () => {
    port = await freePort();
    ({ platform, dataDir, token } = await boot({ SMTP_URL: sink.url(port), MAIL_FROM: 'Shop Test <orders@shop.test>', JOB_MAX_ATTEMPTS: String(maxAttempts), JOB_RETRY_DELAY_MS: '50' }));
  });

  afterAll(async () => {
    await platform?.close();
    await sink.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('dead-letters a message the mail server never takes, with its error and attempts; the admin replay sends it once the server is up', async () => {
    const email = `dee.${randomUUID().slice(0, 8)}@example.com`;
    const e = orderEvent('CONFIRMED', email);
    const envelope = await emit(platform, 'order.confirmed', e);

    // No server on the port: every attempt is refused.
    const dead = await eventually(async () => {
      const r = await admin<Page<DeadLetterView>>(platform, token, 'GET', '/dead-letters');
      return r.body.items.find((d) => (d.payload as { to?: string }).to === email);
    }, { timeoutMs: 15_000, what: 'the dead letter' });
    expect(dead).toMatchObject({ queue: 'notifications', attempts: maxAttempts, replays: 0, replayedAt: null, payload: { template: 'order-confirmed', to: email, key: `${envelope.id}:order-confirmed` } });
    expect(dead.error).toMatch(/ECONNREFUSED/);
    expect(dead.error).not.toContain(sink.password);
    expect((await admin<Page<MailboxMessageView>>(platform, token, 'GET', `?to=${encodeURIComponent(email)}`)).body.total).toBe(0);

    await sink.start(port);
    const replayed = await admin<DeadLetterView>(platform, token, 'POST', `/dead-letters/${dead.id}/replay`);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ id: dead.id, replays: 1 });
    expect(replayed.body.replayedAt).not.toBeNull();

    const mail = await eventually(() => sink.received.find((m) => m.to.includes(email)), { timeoutMs: 15_000, what: 'the mail at the SMTP server' });
    expect(mail.headers['subject']).toBe(`Your order ${e.orderId} is confirmed`);
    expect(mail.headers['from']).toBe('Shop Test <orders@shop.test>');
    expect(mail.text).toContain('45.98 EUR');
    const copy = await eventually(async () => (await admin<Page<MailboxMessageView>>(platform, token, 'GET', `?to=${encodeURIComponent(email)}`)).body.items[0], { what: 'the copy in the mailbox' });
    expect(copy).toMatchObject({ channel: 'smtp', template: 'order-confirmed', key: `${envelope.id}:order-confirmed` });

    // A second replay enqueues the same key again: nothing more is sent.
    expect((await admin<DeadLetterView>(platform, token, 'POST', `/dead-letters/${dead.id}/replay`)).body.replays).toBe(2);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(sink.received.filter((m) => m.to.includes(email))).toHaveLength(1);
  });

  it('sends by SMTP at once while the server is up, keeping a copy with channel smtp', async () => {
    await sink.start(port).catch(() => undefined);
    const email = `eve.${randomUUID().slice(0, 8)}@example.com`;
    const e = orderEvent('SHIPPED', email);
    await emit(platform, 'order.shipped', e);
    const mail = await eventually(() => sink.received.find((m) => m.to.includes(email)), { timeoutMs: 15_000, what: 'the mail' });
    expect(mail.headers['subject']).toBe(`Your order ${e.orderId} has shipped`);
    expect(mail.headers['message-id']).toMatch(/^<[0-9a-f]{32}@notification\.shop>$/);
  });
});
