import { resolve } from 'node:path';
import type { ProductSummary } from '@shop/contracts';
import {
  type OtlpReceiver,
  OtlpSpanKind,
  type ReceivedSpan,
  type SpawnedProcess,
  createDatabases,
  dropDatabases,
  eventually,
  jsonLines,
  spawnNode,
  startOtlpReceiver,
  uniqueName,
  waitForHttp,
  freePortBlock,
} from '@shop/testing';

const root = resolve(import.meta.dirname, '../..');
const APPS = ['user', 'product', 'cart', 'order', 'notification', 'gateway'] as const;
const DATABASES = ['user', 'product', 'cart', 'order', 'notification'];
type App = (typeof APPS)[number];
const ADMIN = { email: 'admin@obs.test', password: 'amber-lantern-passphrase-3' };
const CUSTOMER = { email: 'customer@obs.test', password: 'quiet-meadow-passphrase-9', displayName: 'Obs Customer' };

/**
 * Logs and traces in the cluster mode: the apps as processes (dist/), RPC on
 * RabbitMQ, events through the outbox and Kafka, each app exporting its spans
 * over OTLP/HTTP JSON to a receiver run by the test and writing JSON log lines
 * to its stdout. One request must be one correlation id in the logs of every
 * service it touched and one trace with the right parent links across them.
 */
describe('cluster: one request is one correlation id in every log and one trace across RabbitMQ and Kafka', () => {
  const namespace = uniqueName('obs').replace(/-/g, '');
  const dbPrefix = `${namespace}_`;
  const base = freePortBlock(10);
  const port: Record<App, number> = { gateway: base, user: base + 1, product: base + 2, cart: base + 3, order: base + 4, notification: base + 5 };
  const gateway = `http://127.0.0.1:${port.gateway}`;
  const processes = new Map<App, SpawnedProcess>();
  let otlp: OtlpReceiver;
  let adminToken: string;
  let customerToken: string;
  let product: ProductSummary;

  const json = (token?: string, correlationId?: string) => ({
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(correlationId ? { 'x-correlation-id': correlationId } : {}),
  });

  async function login(body: { email: string; password: string }): Promise<string> {
    const res = await fetch(`${gateway}/api/v1/auth/login`, { method: 'POST', headers: json(), body: JSON.stringify(body) });
    const answer = (await res.json()) as { accessToken: string };
    expect({ status: res.status, answer }).toMatchObject({ status: 200 });
    return answer.accessToken;
  }

  /** The log lines of an app that carry the correlation id. */
  const linesWith = (app: App, correlationId: string) => jsonLines(processes.get(app)!.output()).filter((l) => l['correlationId'] === correlationId);

  const dumpOnFailure = (err: unknown) => {
    for (const [app, p] of processes) console.error(`---- ${app}\n${p.output().slice(-3000)}`);
    throw err;
  };

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    await createDatabases(DATABASES.map((d) => `${dbPrefix}${d}`));
    const env = {
      SHOP_NAMESPACE: namespace,
      DB_NAME_PREFIX: dbPrefix,
      SEED_DEMO_PRODUCTS: '3',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
      LOG_LEVEL: 'debug',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    for (const app of APPS) processes.set(app, spawnNode(resolve(root, `dist/apps/${app}/src/main.js`), { ...env, HTTP_PORT: String(port[app]) }));
    for (const app of APPS) await waitForHttp(`http://127.0.0.1:${port[app]}/health/ready`, { timeoutMs: 120_000 }).catch(dumpOnFailure);
    adminToken = await login(ADMIN);
    const registered = await fetch(`${gateway}/api/v1/auth/register`, { method: 'POST', headers: json(), body: JSON.stringify(CUSTOMER) });
    expect(registered.status).toBe(201);
    customerToken = await login({ email: CUSTOMER.email, password: CUSTOMER.password });
    const page = (await (await fetch(`${gateway}/api/v1/products?pageSize=5`)).json()) as { items: ProductSummary[] };
    product = page.items[0]!;
  });

  afterAll(async () => {
    await Promise.all([...processes.values()].map((p) => p.stop('SIGKILL')));
    await dropDatabases(DATABASES.map((d) => `${dbPrefix}${d}`));
    await otlp?.close();
  });

  /** The one span of the trace matching the description; fails listing the trace when there is none or several. */
  function one(trace: ReceivedSpan[], what: Partial<Pick<ReceivedSpan, 'service' | 'kind' | 'name'>>): ReceivedSpan {
    const found = trace.filter((s) => Object.entries(what).every(([k, v]) => s[k as keyof ReceivedSpan] === v));
    if (found.length !== 1) {
      throw new Error(`expected one span ${JSON.stringify(what)}, found ${found.length} in:\n${trace.map((s) => `${s.service} ${s.kind} ${s.name} ${s.spanId} <- ${s.parentSpanId ?? '-'}`).join('\n')}`);
    }
    return found[0]!;
  }

  const CART_APPS = ['gateway', 'cart', 'product'] as const;

  it('a customer adding to the cart: gateway, cart and product log the correlation id, in one trace over RabbitMQ RPC', async () => {
    const correlationId = `obs-cart-${Date.now()}`;
    const res = await fetch(`${gateway}/api/v1/cart/items`, { method: 'POST', headers: json(customerToken, correlationId), body: JSON.stringify({ productId: product.id, quantity: 1 }) });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-correlation-id')).toBe(correlationId);

    // Every service the request touched logged it, each line with service, instance, level and the trace id.
    const lines = await eventually(() => (CART_APPS.every((a) => linesWith(a, correlationId).length) ? CART_APPS.map((a) => [a, linesWith(a, correlationId)] as const) : undefined), {
      timeoutMs: 15_000,
      what: 'log lines with the correlation id from gateway, cart and product',
    }).catch(dumpOnFailure);
    const traceIds = new Set<unknown>();
    for (const [app, list] of lines) {
      for (const line of list) {
        expect(line).toMatchObject({ service: app, instance: expect.stringMatching(/\/\d+$/), level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/), traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
        traceIds.add(line['traceId']);
      }
    }
    expect(traceIds.size).toBe(1);
    const traceId = [...traceIds][0] as string;

    // One trace: gateway HTTP -> gateway RPC client -> cart RPC server -> cart RPC client -> product RPC server.
    const trace = await eventually(
      () => {
        const spans = otlp.spans().filter((s) => s.traceId === traceId);
        return spans.some((s) => s.service === 'product' && s.kind === OtlpSpanKind.SERVER) && spans.some((s) => s.service === 'gateway' && s.kind === OtlpSpanKind.SERVER) ? spans : undefined;
      },
      { timeoutMs: 15_000, what: 'the spans of the trace from gateway, cart and product' },
    );
    const http = one(trace, { service: 'gateway', kind: OtlpSpanKind.SERVER });
    expect(http).toMatchObject({ name: 'POST /api/v1/cart/items', parentSpanId: undefined, attributes: expect.objectContaining({ 'http.response.status_code': 201, 'shop.correlation_id': correlationId }) });
    const toCart = one(trace, { service: 'gateway', kind: OtlpSpanKind.CLIENT, name: 'cart.addItem send' });
    expect(toCart.parentSpanId).toBe(http.spanId);
    const inCart = one(trace, { service: 'cart', kind: OtlpSpanKind.SERVER, name: 'cart.addItem process' });
    expect(inCart.parentSpanId).toBe(toCart.spanId);
    const toProduct = one(trace, { service: 'cart', kind: OtlpSpanKind.CLIENT, name: 'product.getMany send' });
    expect(toProduct.parentSpanId).toBe(inCart.spanId);
    const inProduct = one(trace, { service: 'product', kind: OtlpSpanKind.SERVER, name: 'product.getMany process' });
    expect(inProduct.parentSpanId).toBe(toProduct.spanId);
    expect(inProduct.attributes).toMatchObject({ 'rpc.system': 'rabbitmq', 'shop.correlation_id': correlationId });
  });

  it('a product update: its event flows gateway -> product -> outbox -> Kafka -> cart inbox in the same trace and correlation id', async () => {
    const correlationId = `obs-update-${Date.now()}`;
    const res = await fetch(`${gateway}/api/v1/products/${product.id}`, { method: 'PATCH', headers: json(adminToken, correlationId), body: JSON.stringify({ name: 'Traced Kettle' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-correlation-id')).toBe(correlationId);

    // The cart handled the event (its inbox line) under the request's correlation id.
    const handled = await eventually(() => linesWith('cart', correlationId).find((l) => l['msg'] === 'event handled' && l['type'] === 'product.updated'), { timeoutMs: 30_000, what: 'the cart logging product.updated with the correlation id' }).catch(dumpOnFailure);
    expect(linesWith('gateway', correlationId).length).toBeGreaterThan(0);
    expect(linesWith('product', correlationId).length).toBeGreaterThan(0);
    const traceId = handled['traceId'] as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    for (const app of ['gateway', 'product'] as const) expect(new Set(linesWith(app, correlationId).map((l) => l['traceId']))).toEqual(new Set([traceId]));

    const trace = await eventually(
      () => {
        const spans = otlp.spans().filter((s) => s.traceId === traceId);
        return spans.some((s) => s.service === 'cart' && s.kind === OtlpSpanKind.CONSUMER) && spans.some((s) => s.service === 'gateway' && s.kind === OtlpSpanKind.SERVER) ? spans : undefined;
      },
      { timeoutMs: 15_000, what: 'the spans of the trace from gateway, product and cart' },
    );
    const http = one(trace, { service: 'gateway', kind: OtlpSpanKind.SERVER });
    expect(http.name).toBe('PATCH /api/v1/products/:id');
    const toProduct = one(trace, { service: 'gateway', kind: OtlpSpanKind.CLIENT, name: 'product.update send' });
    expect(toProduct.parentSpanId).toBe(http.spanId);
    const inProduct = one(trace, { service: 'product', kind: OtlpSpanKind.SERVER, name: 'product.update process' });
    expect(inProduct.parentSpanId).toBe(toProduct.spanId);
    // Written to the outbox in the RPC handler's transaction...
    const created = trace.filter((s) => s.service === 'product' && s.kind === OtlpSpanKind.PRODUCER && s.name === 'catalog.events create' && s.attributes['shop.event_type'] === 'product.updated');
    expect(created).toHaveLength(1);
    expect(created[0]!.parentSpanId).toBe(inProduct.spanId);
    // ...published by the relay as a child of that, over Kafka...
    const published = trace.find((s) => s.service === 'product' && s.kind === OtlpSpanKind.PRODUCER && s.name === 'catalog.events publish' && s.parentSpanId === created[0]!.spanId);
    expect(published?.attributes).toMatchObject({ 'messaging.system': 'kafka', 'shop.event_type': 'product.updated' });
    // ...and consumed by the cart as a child of the publish.
    const consumed = trace.find((s) => s.service === 'cart' && s.kind === OtlpSpanKind.CONSUMER && s.parentSpanId === published!.spanId);
    expect(consumed).toMatchObject({ name: 'catalog.events process', attributes: expect.objectContaining({ 'messaging.system': 'kafka', 'shop.event_type': 'product.updated', 'shop.correlation_id': correlationId }) });
  });

  it('a checkout is one correlation id and one trace across gateway, order, cart, product and notification, over RabbitMQ (RPC, work queue) and Kafka', async () => {
    const correlationId = `obs-checkout-${Date.now()}`;
    const added = await fetch(`${gateway}/api/v1/cart/items`, { method: 'POST', headers: json(customerToken), body: JSON.stringify({ productId: product.id, quantity: 1 }) });
    expect(added.status).toBe(201);
    const res = await fetch(`${gateway}/api/v1/orders`, {
      method: 'POST',
      headers: { ...json(customerToken, correlationId), 'idempotency-key': correlationId },
      body: JSON.stringify({ shippingAddress: { name: 'Obs Customer', line1: '1 Trace Road', city: 'Berlin', postalCode: '10115', country: 'DE' } }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-correlation-id')).toBe(correlationId);
    const orderId = ((await res.json()) as { id: string }).id;

    // The confirmation mail is the last step: the notification app handled its job under the checkout's correlation id.
    const mailed = await eventually(() => linesWith('notification', correlationId).find((l) => l['msg'] === 'job handled'), { timeoutMs: 60_000, what: 'the notification job handled with the correlation id' }).catch(dumpOnFailure);
    const traceId = mailed['traceId'] as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await eventually(() => (linesWith('cart', correlationId).some((l) => l['msg'] === 'event handled' && l['type'] === 'order.confirmed') ? true : undefined), { timeoutMs: 30_000, what: 'the cart clearing the order from its lines' }).catch(dumpOnFailure);
    for (const app of ['gateway', 'order', 'cart', 'product', 'notification'] as const) {
      const lines = linesWith(app, correlationId);
      expect(lines.length, app).toBeGreaterThan(0);
      expect(new Set(lines.map((l) => l['traceId'])), app).toEqual(new Set([traceId]));
      for (const line of lines) expect(line['service']).toBe(app);
    }

    const trace = await eventually(
      () => {
        const spans = otlp.spans().filter((s) => s.traceId === traceId);
        return spans.some((s) => s.service === 'notification' && s.name === 'notifications process') && spans.some((s) => s.service === 'gateway' && s.kind === OtlpSpanKind.SERVER) ? spans : undefined;
      },
      { timeoutMs: 20_000, what: 'the spans of the checkout from every service' },
    );
    const event = (service: string, kind: number, name: string, type: string, parent?: ReceivedSpan) => {
      const found = trace.filter((s) => s.service === service && s.kind === kind && s.name === name && s.attributes['shop.event_type'] === type && (!parent || s.parentSpanId === parent.spanId));
      if (found.length !== 1) throw new Error(`expected one ${service} ${name} ${type}, found ${found.length} in:\n${trace.map((s) => `${s.service} ${s.kind} ${s.name} ${String(s.attributes['shop.event_type'] ?? '')} ${s.spanId} <- ${s.parentSpanId ?? '-'}`).join('\n')}`);
      return found[0]!;
    };
    // HTTP at the gateway -> RPC over RabbitMQ to the order service.
    const http = one(trace, { service: 'gateway', kind: OtlpSpanKind.SERVER });
    expect(http.name).toBe('POST /api/v1/orders');
    const toOrder = one(trace, { service: 'gateway', kind: OtlpSpanKind.CLIENT, name: 'order.checkout send' });
    expect(toOrder.parentSpanId).toBe(http.spanId);
    const checkout = one(trace, { service: 'order', kind: OtlpSpanKind.SERVER, name: 'order.checkout process' });
    expect(checkout.parentSpanId).toBe(toOrder.spanId);
    // The order service reads the cart (which asks the catalog) by RPC.
    const toCart = one(trace, { service: 'order', kind: OtlpSpanKind.CLIENT, name: 'cart.get send' });
    expect(toCart.parentSpanId).toBe(checkout.spanId);
    expect(one(trace, { service: 'cart', kind: OtlpSpanKind.SERVER, name: 'cart.get process' }).parentSpanId).toBe(toCart.spanId);
    // order.created: outbox -> Kafka -> the product service reserves.
    const created = event('order', OtlpSpanKind.PRODUCER, 'order.events create', 'order.created', checkout);
    const createdOut = event('order', OtlpSpanKind.PRODUCER, 'order.events publish', 'order.created', created);
    const reserving = event('product', OtlpSpanKind.CONSUMER, 'order.events process', 'order.created', createdOut);
    // inventory.reserved: outbox -> Kafka -> the order service confirms.
    const reserved = event('product', OtlpSpanKind.PRODUCER, 'inventory.events create', 'inventory.reserved', reserving);
    const reservedOut = event('product', OtlpSpanKind.PRODUCER, 'inventory.events publish', 'inventory.reserved', reserved);
    const confirming = event('order', OtlpSpanKind.CONSUMER, 'inventory.events process', 'inventory.reserved', reservedOut);
    // order.confirmed: outbox -> Kafka -> the cart and the notification app.
    const confirmed = event('order', OtlpSpanKind.PRODUCER, 'order.events create', 'order.confirmed', confirming);
    const confirmedOut = event('order', OtlpSpanKind.PRODUCER, 'order.events publish', 'order.confirmed', confirmed);
    event('cart', OtlpSpanKind.CONSUMER, 'order.events process', 'order.confirmed', confirmedOut);
    const notifying = event('notification', OtlpSpanKind.CONSUMER, 'order.events process', 'order.confirmed', confirmedOut);
    // The mail: a job on the RabbitMQ work queue, enqueued and handled in the same trace.
    const enqueued = one(trace, { service: 'notification', kind: OtlpSpanKind.PRODUCER, name: 'notifications publish' });
    expect(enqueued.parentSpanId).toBe(notifying.spanId);
    expect(one(trace, { service: 'notification', kind: OtlpSpanKind.CONSUMER, name: 'notifications process' }).parentSpanId).toBe(enqueued.spanId);

    const order = (await (await fetch(`${gateway}/api/v1/orders/${orderId}`, { headers: json(customerToken) })).json()) as { status: string };
    expect(order.status).toBe('CONFIRMED');
  });

  it('never logs a password or a token', () => {
    const all = [...processes.values()].map((p) => p.output()).join('\n');
    expect(jsonLines(all).length).toBeGreaterThan(20);
    for (const secret of [ADMIN.password, CUSTOMER.password, adminToken, customerToken]) expect(all).not.toContain(secret);
  });
});
