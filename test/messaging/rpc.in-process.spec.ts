import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCodes } from '@shop/contracts';
import { InProcessBroker, METRICS_REGISTRY } from '@shop/messaging';
import type { Registry } from 'prom-client';
import { MessageContextStore } from '@shop/messaging';
import { type RpcCaller, type RpcFixtureConfig, type RpcServerApp, productView, startRpcCaller, startRpcServer } from './fixtures/rpc-apps.js';

/**
 * The RPC layer over the in-process binding (the all-in-one mode): the same
 * @RpcHandler controllers and RpcClient as on RabbitMQ, with a broker in memory.
 * Every test has its own broker and namespace.
 */
describe('RPC over the in-process binding', () => {
  const apps: Array<RpcServerApp | RpcCaller> = [];
  let config: RpcFixtureConfig;

  beforeEach(() => {
    config = { transport: 'in-process', namespace: `t-${randomUUID()}`, broker: new InProcessBroker(), rpcTimeoutMs: 2_000 };
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  async function server(service: 'product' | 'cart', instance?: string): Promise<RpcServerApp> {
    const s = await startRpcServer(service, config, instance ? { instance } : {});
    apps.push(s);
    return s;
  }

  async function caller(overrides: Partial<RpcFixtureConfig> = {}): Promise<RpcCaller> {
    const c = await startRpcCaller({ ...config, ...overrides });
    apps.push(c);
    return c;
  }

  async function rejection(promise: Promise<unknown>): Promise<DomainError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }

  it('delivers the request payload to the handler and returns its typed response to the caller', async () => {
    const product = await server('product');
    const { rpc } = await caller();

    const got = await rpc.send('product.get', { idOrSlug: 'blue-mug' });
    const created = await rpc.send('product.create', { name: 'Red Mug', slug: 'red-mug', price: { amount: 1250, currency: 'EUR' }, status: 'ACTIVE', sellerId: 'seller-7' });

    expect(got).toEqual(productView('blue-mug', 'product'));
    expect(created).toMatchObject({ id: 'red-mug', slug: 'red-mug', name: 'Red Mug', price: { amount: 1250, currency: 'EUR' }, status: 'ACTIVE', sellerId: 'seller-7' });
    expect(product.log.handled.map((h) => [h.pattern, h.request])).toEqual([
      ['product.get', { idOrSlug: 'blue-mug' }],
      ['product.create', { name: 'Red Mug', slug: 'red-mug', price: { amount: 1250, currency: 'EUR' }, status: 'ACTIVE', sellerId: 'seller-7' }],
    ]);
  });

  it('rejects with RPC.TIMEOUT after the configured timeout when no consumer serves the queue, and a consumer started later never handles the expired request', async () => {
    const { rpc } = await caller({ rpcTimeoutMs: 200 });

    const started = performance.now();
    const err = await rejection(rpc.send('product.get', { idOrSlug: 'too-late' }));
    const elapsed = performance.now() - started;

    expect(err.code).toBe(ErrorCodes.RPC_TIMEOUT);
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(elapsed).toBeLessThan(200 + 300);

    const product = await server('product');
    await expect(rpc.send('product.get', { idOrSlug: 'in-time' })).resolves.toMatchObject({ id: 'in-time' });
    expect(product.log.handled.map((h) => h.request)).toEqual([{ idOrSlug: 'in-time' }]);
  });

  it('counts and times every call (caller) and handled request (server) by pattern and code, timeouts included', async () => {
    const count = async (registry: Registry, name: string, labels: Record<string, string>) =>
      ((await registry.getSingleMetric(name)?.get())?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((n, v) => n + v.value, 0);
    const { rpc, registry: callerMetrics } = await caller({ rpcTimeoutMs: 150 });
    expect((await rejection(rpc.send('product.get', { idOrSlug: 'nobody-serves-this' }))).code).toBe(ErrorCodes.RPC_TIMEOUT);
    const product = await server('product');
    await rpc.send('product.get', { idOrSlug: 'blue-mug' });
    await rpc.send('product.get', { idOrSlug: 'red-mug' });
    await rejection(rpc.send('product.get', { idOrSlug: 'not-found:ghost' }));
    await rejection(rpc.send('product.get', { idOrSlug: 'crash:secret' }));

    expect(await count(callerMetrics, 'shop_rpc_client_requests_total', { pattern: 'product.get', code: 'RPC.TIMEOUT' })).toBe(1);
    expect(await count(callerMetrics, 'shop_rpc_client_requests_total', { pattern: 'product.get', code: 'OK' })).toBe(2);
    expect(await count(callerMetrics, 'shop_rpc_client_requests_total', { pattern: 'product.get', code: 'PRODUCT.NOT_FOUND' })).toBe(1);
    expect(await count(callerMetrics, 'shop_rpc_client_requests_total', { pattern: 'product.get', code: 'INTERNAL' })).toBe(1);
    // Histogram values carry the series name (_bucket, _sum, _count).
    const clientTimes = (await callerMetrics.getSingleMetric('shop_rpc_client_request_duration_seconds')!.get()).values as Array<{ metricName?: string; value: number }>;
    expect(clientTimes.find((v) => v.metricName === 'shop_rpc_client_request_duration_seconds_count')?.value).toBe(5);
    // The timed-out call waited its timeout: in the sum.
    expect(clientTimes.find((v) => v.metricName === 'shop_rpc_client_request_duration_seconds_sum')!.value).toBeGreaterThanOrEqual(0.14);

    const serverMetrics = product.app.get<Registry>(METRICS_REGISTRY);
    expect(await count(serverMetrics, 'shop_rpc_server_requests_total', { pattern: 'product.get', code: 'OK' })).toBe(2);
    expect(await count(serverMetrics, 'shop_rpc_server_requests_total', { pattern: 'product.get', code: 'PRODUCT.NOT_FOUND' })).toBe(1);
    expect(await count(serverMetrics, 'shop_rpc_server_requests_total', { pattern: 'product.get', code: 'INTERNAL' })).toBe(1);
    expect(await count(serverMetrics, 'shop_rpc_server_request_duration_seconds', { pattern: 'product.get' })).toBeGreaterThan(0);
  });

  it('gives the caller a DomainError with the handler’s code and message', async () => {
    await server('product');
    const { rpc } = await caller();

    const err = await rejection(rpc.send('product.get', { idOrSlug: 'not-found:ghost' }));

    expect(err.code).toBe(ErrorCodes.PRODUCT_NOT_FOUND);
    expect(err.message).toBe('Product "ghost" does not exist');
  });

  it('answers an unexpected handler error as INTERNAL with an error id, without its message or stack', async () => {
    await server('product');
    const { rpc } = await caller();

    const err = await rejection(rpc.send('product.get', { idOrSlug: 'crash:hunter2' }));

    expect(err.code).toBe(ErrorCodes.INTERNAL);
    const errorId = err.details?.['errorId'];
    expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(err.message).toBe(`Internal error (error id ${String(errorId)})`);
    const wire = JSON.stringify({ message: err.message, details: err.details });
    expect(wire).not.toContain('hunter2');
    expect(wire).not.toContain('database login failed');
    expect(err.stack ?? '').not.toContain('ProductRpcFixtureController');
  });

  it('gives the handler the caller’s correlation id and passes it, with the request id as causation, to a nested RPC', async () => {
    const product = await server('product');
    const cart = await server('cart');
    const { rpc } = await caller();
    const correlationId = `corr-${randomUUID()}`;

    const view = await MessageContextStore.run({ correlationId }, () => rpc.send('product.get', { idOrSlug: 'nested:p-42' }));

    expect(view.name).toBe('Snapshot of p-42');
    const [outer] = product.log.handled;
    const [inner] = cart.log.handled;
    expect(outer).toMatchObject({ correlationId, context: { correlationId, messageId: outer?.envelopeId } });
    expect(outer?.causationId).toBeUndefined();
    expect(inner).toMatchObject({ pattern: 'cart.productSnapshot', request: { productId: 'p-42' }, correlationId, causationId: outer?.envelopeId, context: { correlationId } });
  });

  it('shares 50 concurrent requests between two instances on the same queue and answers every one', async () => {
    const a = await server('product', 'product-a');
    const b = await server('product', 'product-b');
    const { rpc } = await caller();
    const ids = Array.from({ length: 50 }, (_, i) => `slow:5:req-${i}`);

    const views = await Promise.all(ids.map((idOrSlug) => rpc.send('product.get', { idOrSlug })));

    expect(views.map((v) => v.id)).toEqual(ids);
    expect(views.map((v) => v.name)).toEqual(ids.map((_, i) => `Product req-${i}`));
    expect(a.log.handled.length).toBeGreaterThan(0);
    expect(b.log.handled.length).toBeGreaterThan(0);
    const handled = [...a.log.handled, ...b.log.handled].map((h) => (h.request as { idOrSlug: string }).idOrSlug);
    expect(handled.sort()).toEqual([...ids].sort());
  });
});
