import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ProductSnapshotView, ProductSummary, ProductView } from '@shop/contracts';
import { RpcClient } from '@shop/messaging';
import { eventually, spawnNode, freePortBlock } from '@shop/testing';
import { type Platform, startPlatform } from '../../apps/all-in-one/src/platform.js';

const SEEDED = 24;

describe('all-in-one: the catalog slice through the gateway, in-process messaging and SQLite', () => {
  let platform: Platform;
  let dataDir: string;
  let rpc: RpcClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shop-aio-'));
    platform = await startPlatform({ DB_SQLITE_DIR: dataDir, SEED_DEMO_PRODUCTS: String(SEEDED) }, { freePorts: true, logger: false });
    rpc = platform.services.find((s) => s.name === 'gateway')!.app.get(RpcClient);
  });

  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (path: string) => fetch(`${platform.gatewayUrl}/api/v1${path}`);

  it('lists the seeded demo products, newest first, with a total', async () => {
    const res = await api('/products?pageSize=5');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: ProductSummary[]; total: number; page: number; pageSize: number };
    expect(body.total).toBe(SEEDED);
    expect(body.items).toHaveLength(5);
    expect(body.page).toBe(1);
    const created = body.items.map((p) => p.createdAt);
    expect([...created].sort().reverse()).toEqual(created);
  });

  it('gets one product by id and by slug', async () => {
    const list = (await (await api('/products?pageSize=1')).json()) as { items: ProductSummary[] };
    const first = list.items[0]!;
    const byId = (await (await api(`/products/${first.id}`)).json()) as ProductView;
    const bySlug = (await (await api(`/products/${first.slug}`)).json()) as ProductView;
    expect(byId).toMatchObject({ id: first.id, slug: first.slug, name: first.name, price: first.price, available: first.available });
    expect(bySlug).toEqual(byId);
  });

  it('answers an unknown product with problem+json 404 and its code', async () => {
    const res = await api('/products/does-not-exist');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 404, code: 'PRODUCT.NOT_FOUND' });
  });

  it('refuses an invalid page size with 400 naming the parameter', async () => {
    const res = await api('/products?pageSize=abc');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; detail: string };
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.detail).toMatch(/pageSize/);
  });

  it('returns the caller correlation id on responses, errors included', async () => {
    const res = await fetch(`${platform.gatewayUrl}/api/v1/products/nope`, { headers: { 'x-correlation-id': 'test-corr-1' } });
    expect(res.headers.get('x-correlation-id')).toBe('test-corr-1');
    expect(((await res.json()) as { correlationId: string }).correlationId).toBe('test-corr-1');
  });

  it('publishes product.created through the outbox and the cart applies it through its inbox', async () => {
    const created = await rpc.send('product.create', { name: 'Slice Test Kettle', price: { amount: 2599, currency: 'EUR' } });
    const fetched = (await (await api(`/products/${created.id}`)).json()) as ProductView;
    expect(fetched.name).toBe('Slice Test Kettle');
    const snapshot = await eventually(() => rpc.send('cart.productSnapshot', { productId: created.id }), { what: 'cart snapshot of the new product' });
    expect(snapshot).toMatchObject<Partial<ProductSnapshotView>>({ productId: created.id, name: 'Slice Test Kettle', price: { amount: 2599, currency: 'EUR' } });
  });

  it('every service is ready and exposes Prometheus metrics', async () => {
    for (const s of platform.services) {
      const ready = await fetch(`${s.url}/health/ready`);
      expect({ service: s.name, status: ready.status }).toEqual({ service: s.name, status: 200 });
    }
    const product = platform.services.find((s) => s.name === 'product')!;
    const metrics = await (await fetch(`${product.url}/metrics`)).text();
    expect(metrics).toMatch(/shop_events_published_total\{[^}]*type="product\.created"[^}]*\} \d+/);
    expect(metrics).toMatch(/process_resident_memory_bytes\{service="product"\}/);
  });
});

describe('npm start (the all-in-one main) as a process', () => {
  it('boots every service, prints the URLs, serves the catalog and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'shop-aio-main-'));
    const base = freePortBlock(10);
    const names = ['GATEWAY', 'DISCOVERY', 'CONFIG', 'USER', 'PRODUCT', 'CART', 'ORDER', 'NOTIFICATION'];
    const ports = Object.fromEntries(names.map((n, i) => [`${n}_HTTP_PORT`, String(base + i)]));
    const app = spawnNode(resolve(import.meta.dirname, '../../apps/all-in-one/src/main.ts'), { ...ports, DB_SQLITE_DIR: dataDir, SEED_DEMO_PRODUCTS: '5' });
    try {
      await app.waitForOutput(/shop is up/, 60_000);
      expect(app.output()).toContain(`http://127.0.0.1:${base}/api/v1/products`);
      const body = (await (await fetch(`http://127.0.0.1:${base}/api/v1/products`)).json()) as { total: number };
      expect(body.total).toBe(5);
      expect(await app.stop('SIGTERM')).toBe(0);
    } finally {
      await app.stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
