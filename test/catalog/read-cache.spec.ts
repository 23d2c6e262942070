import { randomUUID } from 'node:crypto';
import type { Page, ProductSummary, ProductView } from '@shop/contracts';
import { LiveConfig } from '@shop/config-client';
import { CatalogReadCache } from '@shop/services/gateway';
import { RpcClient } from '@shop/messaging';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Account, type Shop, startShop } from './shop.js';

/**
 * The gateway's short-lived copy of public catalog reads: what it keeps, for
 * how long, and that a write through the gateway is read back at once.
 */

const TTL_MS = 400;

const view = (over: Partial<ProductView> = {}) => ({ id: randomUUID(), slug: 's', status: 'ACTIVE', available: 1, ...over }) as ProductView;

describe('CatalogReadCache', () => {
  const cache = (ttl = TTL_MS) => new CatalogReadCache(LiveConfig.fromEnv({ CATALOG_CACHE_TTL_MS: String(ttl) }));

  it('answers a repeated read from memory until the entry is older than the TTL', async () => {
    const c = cache();
    let loads = 0;
    const load = async () => view({ available: ++loads });
    expect((await c.product('a', load)).available).toBe(1);
    expect((await c.product('a', load)).available).toBe(1);
    await sleep(TTL_MS + 50);
    expect((await c.product('a', load)).available).toBe(2);
  });

  it('keeps only ACTIVE products and pages of ACTIVE products (the rest depends on who asks)', async () => {
    const c = cache();
    let loads = 0;
    await c.product('d', async () => (loads++, view({ status: 'DRAFT' })));
    await c.product('d', async () => (loads++, view({ status: 'DRAFT' })));
    const page = async () => (loads++, { items: [], page: 1, pageSize: 20, total: 0 }) as unknown as Page<ProductSummary>;
    await c.page({ status: 'DRAFT' }, page);
    await c.page({ status: 'DRAFT' }, page);
    expect(loads).toBe(4);
    await c.page({ page: 1, sort: 'price_asc' }, page);
    await c.page({ sort: 'price_asc', page: 1 }, page);
    expect(loads).toBe(5);
  });

  it('does not store a read that was under way when a write went through', async () => {
    const c = cache();
    let release!: () => void;
    const slow = c.product('r', () => new Promise<ProductView>((resolve) => (release = () => resolve(view({ available: 1 })))));
    c.invalidate();
    release();
    expect((await slow).available).toBe(1);
    expect((await c.product('r', async () => view({ available: 2 }))).available).toBe(2);
  });

  it('is off with a TTL of 0', async () => {
    const c = cache(0);
    let loads = 0;
    await c.product('z', async () => (loads++, view()));
    await c.product('z', async () => (loads++, view()));
    expect(loads).toBe(2);
  });
});

describe('catalog reads through the gateway cache (all-in-one)', () => {
  let shop: Shop;
  let seller: Account;
  beforeAll(async () => {
    shop = await startShop({ CATALOG_CACHE_TTL_MS: String(TTL_MS) });
    seller = await shop.account(['SELLER']);
  });
  afterAll(async () => {
    await shop?.close();
  });

  const create = async (status = 'ACTIVE') => {
    const res = await shop.http<ProductView>('POST', '/products', { token: seller.token, body: { name: `Cached ${randomUUID().slice(0, 6)}`, price: { amount: 900, currency: 'EUR' }, stock: 10, status } });
    expect(res.status).toBe(201);
    return res.body;
  };
  const get = (idOrSlug: string, token?: string) => shop.http<ProductView & { code?: string }>('GET', `/products/${idOrSlug}`, token ? { token } : {});

  it('a writer reads their write at once: price and stock changed through the gateway', async () => {
    const p = await create();
    expect((await get(p.id)).body.price.amount).toBe(900);
    expect((await get(p.slug)).body.price.amount).toBe(900);
    expect((await shop.http('PATCH', `/products/${p.id}`, { token: seller.token, body: { price: { amount: 1100, currency: 'EUR' }, expectedVersion: p.version } })).status).toBe(200);
    expect((await get(p.id)).body.price.amount).toBe(1100);
    expect((await get(p.slug)).body.price.amount).toBe(1100);
    expect((await shop.http('POST', `/products/${p.id}/stock`, { token: seller.token, body: { mode: 'delta', quantity: 5, reason: 'restock' } })).status).toBe(200);
    expect((await get(p.id)).body.available).toBe(15);
  });

  it('a change made elsewhere shows within the TTL', async () => {
    const p = await create();
    expect((await get(p.id)).body.available).toBe(10);
    // Straight to the product service, as another gateway replica or a checkout would change it.
    await shop.service('gateway').app.get(RpcClient).send('product.adjustStock', { productId: p.id, mode: 'delta', quantity: -3, reason: 'counted elsewhere' }, { token: shop.admin.token });
    const seen = (await get(p.id)).body.available;
    expect([10, 7]).toContain(seen);
    await sleep(TTL_MS + 50);
    expect((await get(p.id)).body.available).toBe(7);
  });

  it('a draft its seller just looked at is still NOT_FOUND to anyone else', async () => {
    const draft = await create('DRAFT');
    expect((await get(draft.id, seller.token)).status).toBe(200);
    expect(await get(draft.id)).toMatchObject({ status: 404, body: { code: 'PRODUCT.NOT_FOUND' } });
  });

  it('counts hits and misses per cache in /metrics', async () => {
    const p = await create();
    for (let i = 0; i < 3; i++) await get(p.id);
    const metrics = await (await fetch(`${shop.gatewayUrl}/metrics`)).text();
    const hits = Number(/shop_gateway_cache_lookups_total\{[^}]*cache="product"[^}]*result="hit"[^}]*\} (\d+)/.exec(metrics)?.[1]);
    expect(hits).toBeGreaterThanOrEqual(2);
  });
});
