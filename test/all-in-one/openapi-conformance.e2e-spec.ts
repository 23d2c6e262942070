import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { OpenAPIObject, OperationObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { CategoryView, DeadLetterView, MailboxMessageView, OrderHistoryEntry, OrderSummary, OrderView, Page, ProductSummary, ProductView, TokenPair, UserView } from '@shop/contracts';
import { JobQueue } from '@shop/messaging';
import { eventually } from '@shop/testing';
import { type Platform, startPlatform } from '../../apps/all-in-one/src/platform.js';
import { Api, MAIN_ENV, type Reply, freshEmail, roleTokens, strongPassword, waitUntilServing } from '../security/security-suite.js';

/**
 * The OpenAPI document against the running platform: every documented
 * operation is called once with a request that succeeds, and its answer has
 * the documented success status and matches the documented schema exactly
 * (no field the document does not list, every required one present); error
 * answers match the problem+json schema of their status.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** Notification jobs fail fast here, so that a dead letter to list and replay exists within a second. */
const JOB_ENV = { JOB_MAX_ATTEMPTS: '2', JOB_RETRY_DELAY_MS: '50' };
const ADDRESS = { name: 'Ada Lovelace', line1: '12 Analytical Row', city: 'London', postalCode: 'N1 9GU', country: 'GB' };

/** The document's schemas, closed: an answer with a field the document does not list fails. */
function closedSchemas(document: OpenAPIObject): Record<string, SchemaObject> {
  const schemas = structuredClone(document.components!.schemas!) as Record<string, SchemaObject>;
  for (const schema of Object.values(schemas)) {
    if (schema.type === 'object' && schema.properties && schema.additionalProperties === undefined) schema.additionalProperties = false;
  }
  return schemas;
}

describe('all-in-one: the gateway answers as its OpenAPI document says', () => {
  let platform: Platform;
  let dataDir: string;
  let document: OpenAPIObject;
  let api: Api;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const called = new Map<string, number>();
  const mismatches: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shop-openapi-'));
    platform = await startPlatform({ DB_SQLITE_DIR: dataDir, SEED_DEMO_PRODUCTS: '3', ...MAIN_ENV, ...JOB_ENV }, { freePorts: true, logger: false });
    await waitUntilServing(platform.gatewayUrl);
    document = (await (await fetch(`${platform.gatewayUrl}/docs/openapi.json`)).json()) as OpenAPIObject;
    api = new Api(platform.gatewayUrl);
  });

  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Checks one answer against the document: `route` as in the route matrix (`PATCH /api/v1/products/:id`). */
  function conform<T>(route: string, res: Reply<T>): Reply<T> {
    const [method, pattern] = route.split(' ') as [string, string];
    const operation = document.paths[pattern.replace(/:([A-Za-z]+)/g, '{$1}')]?.[method.toLowerCase() as 'get'] as OperationObject | undefined;
    if (!operation) {
      mismatches.push(`${route}: not in the document`);
      return res;
    }
    const response = operation.responses[String(res.status)] as ResponseObject | undefined;
    if (!response) {
      mismatches.push(`${route}: answered ${res.status}, documented ${Object.keys(operation.responses).join(', ')} (${res.text.slice(0, 200)})`);
      return res;
    }
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!;
    const media = response.content?.[contentType];
    if (!media?.schema) {
      mismatches.push(`${route} ${res.status}: content-type ${contentType} not documented`);
      return res;
    }
    const validate = ajv.compile({ ...media.schema, components: { schemas: closedSchemas(document) } });
    if (!validate(res.body)) mismatches.push(`${route} ${res.status}: ${ajv.errorsText(validate.errors)} in ${res.text.slice(0, 300)}`);
    // Response headers the document says are always there (Location of a creation), and the value of each documented one that came.
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      if ('$ref' in header) continue;
      const value = res.headers.get(name);
      if (value === null) {
        if (header.required) mismatches.push(`${route} ${res.status}: header ${name} missing`);
        continue;
      }
      const check = ajv.compile(header.schema as object);
      if (!check(value)) mismatches.push(`${route} ${res.status}: header ${name}: ${ajv.errorsText(check.errors)} (${value})`);
    }
    if (res.status < 300) called.set(route, (called.get(route) ?? 0) + 1);
    return res;
  }

  /** An error answer: its status, its body as documented, and its code one the document lists for this route and status. */
  function expectDocumentedProblem(route: string, res: Reply, status: number, code?: string): void {
    expect(res.status, `${route}: ${res.text}`).toBe(status);
    conform(route, res);
    const operation = document.paths[route.split(' ')[1]!.replace(/:([A-Za-z]+)/g, '{$1}')]![route.split(' ')[0]!.toLowerCase() as 'get'] as OperationObject;
    const examples = (operation.responses[String(status)] as ResponseObject).content!['application/problem+json']!.examples!;
    expect(Object.keys(examples), route).toContain((res.body as { code: string }).code);
    if (code) expect((res.body as { code: string }).code, route).toBe(code);
  }

  it('every operation answers its documented status with a body that matches its schema exactly', async () => {
    const tokens = await roleTokens(api);
    const { ADMIN: admin, SELLER: seller, CUSTOMER: customer } = tokens;
    const call = <T>(route: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) => api.call<T>(route.split(' ')[0]!, path, opts).then((r) => conform(route, r));

    // Auth.
    const email = freshEmail('openapi');
    const password = strongPassword();
    const user = (await call<UserView>('POST /api/v1/auth/register', '/api/v1/auth/register', { body: { email, password, displayName: 'OpenAPI user' } })).body;
    const pair = (await call<TokenPair>('POST /api/v1/auth/login', '/api/v1/auth/login', { body: { email, password } })).body;
    const refreshed = (await call<TokenPair>('POST /api/v1/auth/refresh', '/api/v1/auth/refresh', { body: { refreshToken: pair.refreshToken } })).body;
    await call('GET /api/v1/auth/jwks', '/api/v1/auth/jwks');
    await call('GET /.well-known/jwks.json', '/.well-known/jwks.json');
    // Me.
    await call('GET /api/v1/users/me', '/api/v1/users/me', { token: refreshed.accessToken });
    await call('PATCH /api/v1/users/me', '/api/v1/users/me', { token: refreshed.accessToken, body: { displayName: 'Renamed' } });
    const changed = (await call<TokenPair>('POST /api/v1/users/me/password', '/api/v1/users/me/password', { token: refreshed.accessToken, body: { currentPassword: password, newPassword: strongPassword() } })).body;
    await call('POST /api/v1/auth/logout', '/api/v1/auth/logout', { body: { refreshToken: changed.refreshToken } });
    // Administration.
    await call('GET /api/v1/admin/users', '/api/v1/admin/users?pageSize=5', { token: admin });
    await call('PUT /api/v1/admin/users/:id/roles', `/api/v1/admin/users/${user.id}/roles`, { token: admin, body: { roles: ['CUSTOMER', 'SELLER'] } });
    await call('POST /api/v1/admin/users/:id/disable', `/api/v1/admin/users/${user.id}/disable`, { token: admin });
    await call('POST /api/v1/admin/users/:id/enable', `/api/v1/admin/users/${user.id}/enable`, { token: admin });
    await call('POST /api/v1/admin/signing-keys/rotate', '/api/v1/admin/signing-keys/rotate', { token: admin });
    await call('GET /api/v1/admin/services', '/api/v1/admin/services', { token: admin });
    // Catalog.
    const category = (await call<CategoryView>('POST /api/v1/categories', '/api/v1/categories', { token: admin, body: { name: `Docs ${randomUUID().slice(0, 8)}` } })).body;
    await call('PATCH /api/v1/categories/:id', `/api/v1/categories/${category.id}`, { token: admin, body: { name: `${category.name} 2` } });
    await call('GET /api/v1/categories', '/api/v1/categories');
    const product = (await call<ProductView>('POST /api/v1/products', '/api/v1/products', { token: seller, body: { name: 'Documented mug', price: { amount: 1299, currency: 'EUR' }, stock: 5, attributes: { colour: 'blue' } } })).body;
    await call('PATCH /api/v1/products/:id', `/api/v1/products/${product.id}`, { token: seller, body: { expectedVersion: product.version, description: 'Now documented.' } });
    await call('POST /api/v1/products/:id/stock', `/api/v1/products/${product.id}/stock`, { token: seller, body: { mode: 'delta', quantity: 3, reason: 'delivery' } });
    await call('GET /api/v1/products/:id/stock/movements', `/api/v1/products/${product.id}/stock/movements`, { token: seller });
    await call<{ items: ProductSummary[] }>('GET /api/v1/products', '/api/v1/products?pageSize=2&sort=price_asc');
    await call('GET /api/v1/products/:id', `/api/v1/products/${product.slug}`);
    await call('DELETE /api/v1/categories/:id', `/api/v1/categories/${category.id}`, { token: admin });
    // Cart.
    await call('POST /api/v1/cart/items', '/api/v1/cart/items', { token: customer, body: { productId: product.id, quantity: 2 } });
    await call('PATCH /api/v1/cart/items/:productId', `/api/v1/cart/items/${product.id}`, { token: customer, body: { quantity: 1 } });
    await call('GET /api/v1/cart', '/api/v1/cart', { token: customer });
    await call('DELETE /api/v1/cart/items/:productId', `/api/v1/cart/items/${product.id}`, { token: customer });
    await call('DELETE /api/v1/cart', '/api/v1/cart', { token: customer });

    // Orders: checkout (idempotent), wait for the stock reservation, pay, ship, deliver.
    const checkout = async (key: string) => {
      await call('POST /api/v1/cart/items', '/api/v1/cart/items', { token: customer, body: { productId: product.id, quantity: 2 } });
      return call<OrderView>('POST /api/v1/orders', '/api/v1/orders', { token: customer, body: { shippingAddress: ADDRESS }, headers: { 'idempotency-key': key } });
    };
    const confirmed = (orderId: string) =>
      eventually(async () => {
        const r = await call<OrderView>('GET /api/v1/orders/:id', `/api/v1/orders/${orderId}`, { token: customer });
        return r.body.status === 'CONFIRMED' && r.body;
      }, { timeoutMs: 20_000, intervalMs: 200, what: `order ${orderId} CONFIRMED` });
    const key = randomUUID();
    const placed = await checkout(key);
    expect(placed.status, placed.text).toBe(201);
    expect(placed.headers.get('location')).toBe(`/api/v1/orders/${placed.body.id}`);
    expect(placed.headers.get('idempotent-replayed')).toBeNull();
    const replay = await call<OrderView>('POST /api/v1/orders', '/api/v1/orders', { token: customer, body: { shippingAddress: ADDRESS }, headers: { 'idempotency-key': key } });
    expect({ status: replay.status, replayed: replay.headers.get('idempotent-replayed'), id: replay.body.id }).toEqual({ status: 201, replayed: 'true', id: placed.body.id });
    const order = await confirmed(placed.body.id);
    expect(order.paymentDueAt).not.toBeNull();
    expectDocumentedProblem('POST /api/v1/orders/:id/payment', await api.call('POST', `/api/v1/orders/${order.id}/payment`, { token: customer, body: { paymentToken: 'tok_chargeDeclined' } }), 402, 'PAYMENT.DECLINED');
    expectDocumentedProblem('POST /api/v1/orders/:id/ship', await api.call('POST', `/api/v1/orders/${order.id}/ship`, { token: seller, body: { carrier: 'DHL', trackingNumber: 'JD0146000062' } }), 409, 'ORDER.TRANSITION_FORBIDDEN');
    const paid = (await call<OrderView>('POST /api/v1/orders/:id/payment', `/api/v1/orders/${order.id}/payment`, { token: customer, body: { paymentToken: 'tok_visa' } })).body;
    expect({ status: paid.status, payments: paid.payments.map((p) => p.outcome) }).toEqual({ status: 'PAID', payments: ['DECLINED', 'SUCCEEDED'] });
    const shipped = (await call<OrderView>('POST /api/v1/orders/:id/ship', `/api/v1/orders/${order.id}/ship`, { token: seller, body: { carrier: 'DHL', trackingNumber: 'JD0146000062' } })).body;
    expect({ status: shipped.status, shipment: shipped.lines[0]?.shipment?.carrier }).toEqual({ status: 'SHIPPED', shipment: 'DHL' });
    expect((await call<OrderView>('POST /api/v1/orders/:id/deliver', `/api/v1/orders/${order.id}/deliver`, { token: seller })).body.status).toBe('DELIVERED');
    const history = (await call<OrderHistoryEntry[]>('GET /api/v1/orders/:id/history', `/api/v1/orders/${order.id}/history`, { token: customer })).body;
    expect(history.map((h) => h.to)).toEqual(['PENDING', 'CONFIRMED', 'PAID', 'SHIPPED', 'DELIVERED']);
    expect(history[0]!.from).toBeNull();
    // A second order, cancelled by its customer.
    const second = await checkout(randomUUID());
    await confirmed(second.body.id);
    const cancelled = (await call<OrderView>('POST /api/v1/orders/:id/cancel', `/api/v1/orders/${second.body.id}/cancel`, { token: customer, body: { reason: 'ordered by mistake' } })).body;
    expect({ status: cancelled.status, reason: cancelled.reason }).toEqual({ status: 'CANCELLED', reason: 'ordered by mistake' });
    // Lists, as each role sees them.
    const mine = (await call<Page<OrderSummary>>('GET /api/v1/orders', `/api/v1/orders?status=DELIVERED&from=${encodeURIComponent(order.createdAt)}&pageSize=10`, { token: customer })).body;
    expect(mine.items.map((o) => o.id)).toEqual([order.id]);
    expect((await call<Page<OrderSummary>>('GET /api/v1/orders', '/api/v1/orders', { token: seller })).body.items.map((o) => o.id)).toEqual([second.body.id, order.id]);
    expect((await call<Page<OrderSummary>>('GET /api/v1/orders', '/api/v1/orders?page=1&pageSize=100', { token: admin })).body.total).toBeGreaterThanOrEqual(2);
    expect((await call<OrderView>('GET /api/v1/orders/:id', `/api/v1/orders/${order.id}`, { token: seller })).body.payments).toEqual([]);

    // Notifications: the order's e-mails in the mailbox; a job that cannot be rendered dead-lettered, listed and replayed.
    const customerEmail = tokens.accounts.CUSTOMER.email;
    await eventually(async () => (await call<Page<MailboxMessageView>>('GET /api/v1/admin/notifications', `/api/v1/admin/notifications?to=${encodeURIComponent(customerEmail)}&template=order-shipped&pageSize=5`, { token: admin })).body.total === 1, { timeoutMs: 15_000, intervalMs: 200, what: 'the order-shipped e-mail' });
    const jobs = platform.services.find((s) => s.name === 'notification')!.app.get(JobQueue);
    const badJob = { template: 'order-paid' as const, to: customerEmail, key: `${randomUUID()}:order-paid`, data: { note: 'no orderId: the template cannot render it' } };
    await jobs.enqueue('notifications', badJob);
    const dead = await eventually(async () => {
      const page = (await call<Page<DeadLetterView>>('GET /api/v1/admin/notifications/dead-letters', '/api/v1/admin/notifications/dead-letters?pageSize=100', { token: admin })).body;
      return page.items.find((d) => (d.payload as { key?: string }).key === badJob.key);
    }, { timeoutMs: 15_000, intervalMs: 200, what: 'the dead letter' });
    expect(dead).toMatchObject({ queue: 'notifications', attempts: Number(JOB_ENV.JOB_MAX_ATTEMPTS), replays: 0, replayedAt: null });
    const replayed = (await call<DeadLetterView>('POST /api/v1/admin/notifications/dead-letters/:id/replay', `/api/v1/admin/notifications/dead-letters/${dead.id}/replay`, { token: admin })).body;
    expect({ id: replayed.id, replays: replayed.replays }).toEqual({ id: dead.id, replays: 1 });

    expect(mismatches).toEqual([]);
    const documented = Object.entries(document.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`));
    expect(documented.filter((r) => !called.has(r))).toEqual([]);
  });

  it('errors are problem+json as documented for their route and status: validation, authentication, role, not found, domain rules', async () => {
    const tokens = await roleTokens(api);
    const product = (await api.call<{ items: ProductSummary[] }>('GET', '/api/v1/products?pageSize=1')).body.items[0]!;
    const expectations: Array<[string, Promise<Reply>, number]> = [
      ['POST /api/v1/auth/login', api.call('POST', '/api/v1/auth/login', { body: { email: 'nobody@security.test', password: 'wrong-password-1' } }), 401],
      ['POST /api/v1/cart/items', api.call('POST', '/api/v1/cart/items', { token: tokens.CUSTOMER, body: { productId: 'not-a-uuid' } }), 400],
      ['GET /api/v1/cart', api.call('GET', '/api/v1/cart'), 401],
      ['GET /api/v1/admin/users', api.call('GET', '/api/v1/admin/users', { token: tokens.CUSTOMER }), 403],
      ['GET /api/v1/products/:id', api.call('GET', `/api/v1/products/${randomUUID()}`), 404],
      ['PATCH /api/v1/cart/items/:productId', api.call('PATCH', `/api/v1/cart/items/${randomUUID()}`, { token: tokens.CUSTOMER, body: { quantity: 1 } }), 404],
      ['POST /api/v1/auth/register', api.call('POST', '/api/v1/auth/register', { body: { email: tokens.accounts.CUSTOMER.email, password: strongPassword(), displayName: 'Twice' } }), 409],
    ];
    for (const [route, pending, status] of expectations) expectDocumentedProblem(route, await pending, status);
    // Orders and notifications: the idempotency key, a foreign or unknown order, an unknown dead letter.
    const order = (route: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> }) => api.call(route.split(' ')[0]!, path, opts);
    expectDocumentedProblem('POST /api/v1/orders', await order('POST /api/v1/orders', '/api/v1/orders', { token: tokens.CUSTOMER, body: { shippingAddress: ADDRESS } }), 400, 'IDEMPOTENCY.KEY_REQUIRED');
    expectDocumentedProblem('POST /api/v1/orders', await order('POST /api/v1/orders', '/api/v1/orders', { token: tokens.CUSTOMER, body: { shippingAddress: ADDRESS }, headers: { 'idempotency-key': randomUUID() } }), 422, 'ORDER.CART_EMPTY');
    await api.call('POST', '/api/v1/cart/items', { token: tokens.CUSTOMER, body: { productId: product.id, quantity: 1 } });
    const key = randomUUID();
    const first = await order('POST /api/v1/orders', '/api/v1/orders', { token: tokens.CUSTOMER, body: { shippingAddress: ADDRESS }, headers: { 'idempotency-key': key } });
    expect(first.status, first.text).toBe(201);
    expectDocumentedProblem('POST /api/v1/orders', await order('POST /api/v1/orders', '/api/v1/orders', { token: tokens.CUSTOMER, body: { shippingAddress: { ...ADDRESS, city: 'Leeds' } }, headers: { 'idempotency-key': key } }), 422, 'IDEMPOTENCY.KEY_REUSED');
    expectDocumentedProblem('GET /api/v1/orders/:id', await order('GET /api/v1/orders/:id', `/api/v1/orders/${(first.body as OrderView).id}`, { token: (await roleTokens(api)).CUSTOMER }), 404, 'ORDER.NOT_FOUND');
    expectDocumentedProblem('GET /api/v1/orders', await order('GET /api/v1/orders', '/api/v1/orders?pageSize=101', { token: tokens.CUSTOMER }), 400, 'VALIDATION_FAILED');
    expectDocumentedProblem('POST /api/v1/orders/:id/ship', await order('POST /api/v1/orders/:id/ship', `/api/v1/orders/${(first.body as OrderView).id}/ship`, { token: tokens.CUSTOMER, body: { carrier: 'DHL', trackingNumber: 'JD0146000062' } }), 403, 'FORBIDDEN');
    expectDocumentedProblem('POST /api/v1/admin/notifications/dead-letters/:id/replay', await order('POST /api/v1/admin/notifications/dead-letters/:id/replay', `/api/v1/admin/notifications/dead-letters/${randomUUID()}/replay`, { token: tokens.ADMIN }), 404, 'NOTIFICATION.NOT_FOUND');
    expect(mismatches).toEqual([]);
  });
});
