import { randomUUID } from 'node:crypto';
import type { Page, ProductSummary, ProductView } from '@shop/contracts';
import { LiveConfig } from '@shop/config-client';
import { CatalogReadCache } from '@shop/services/gateway';
import { EventFeed, type FeedHandler, RpcClient } from '@shop/messaging';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '@shop/testing';
import { type Account, type Shop, startShop } from './shop.js';

/**
 * The gateway's short-lived copy of public catalog reads: what it keeps, for
 * how long, and that a write through the gateway is read back at once.
 */

const TTL_MS = 400;

const view = (over: Partial<ProductView> = {}) => ({ id: randomUUID(), slug: `s-${randomUUID()}`, status: 'ACTIVE', available: 1, ...over }) as ProductView;
const page = (n: number) => ({ items: [], page: 1, pageSize: 20, total: n }) as unknown as Page<ProductSummary>;

/** A feed the test drives: goes live or not, and delivers events when told. */
class ManualFeed extends EventFeed {
  handler?: FeedHandler;
  async follow(_topics: readonly string[], handler: FeedHandler): Promise<void> {
    this.handler = handler;
  }
  set(live: boolean): void {
    this.setLive(live);
  }
  emit(type: string, payload: unknown): void {
    this.handler?.({ id: randomUUID(), type, version: 1, occurredAt: new Date().toISOString(), correlationId: randomUUID(), payload });
  }
  async close(): Promise<void> {
    this.setLive(false);
  }
}

describe('CatalogReadCache', () => {
  let feed: ManualFeed;
  const cache = (ttl = TTL_MS) => {
    feed = new ManualFeed();
    const c = new CatalogReadCache(LiveConfig.fromEnv({ CATALOG_CACHE_TTL_MS: String(ttl) }), feed);
    c.onApplicationBootstrap();
    feed.set(true);
    return c;
  };
  /** A loader that counts its calls and answers `make(n)` on the n-th. */
  const counting = <T>(make: (n: number) => T) => {
    const f = async () => make(++f.calls);
    f.calls = 0;
    return f;
  };

  it('answers a repeated read from memory, until the entry is older than the TTL', async () => {
    const c = cache();
    const p = view();
    const load = counting((n) => ({ ...p, available: n }));
    expect((await c.product(p.id, load)).available).toBe(1);
    expect((await c.product(p.id, load)).available).toBe(1);
    await sleep(TTL_MS + 50);
    expect((await c.product(p.id, load)).available).toBe(2);
  });

  it("forgets a product on its own events only (id and slug), and every page on any catalog or stock event", async () => {
    const c = cache(60_000);
    const [a, b] = [view(), view()];
    const loadA = counting((n) => ({ ...a, available: n }));
    const loadB = counting((n) => ({ ...b, available: n }));
    const pages = counting(page);
    await c.product(a.id, loadA);
    await c.product(a.slug, loadA);
    await c.product(b.id, loadB);
    await c.page({ page: 1 }, pages);
    for (const type of ['stock.changed', 'product.updated', 'product.price-changed', 'product.archived']) {
      feed.emit(type, { productId: a.id });
      expect([(await c.product(a.id, loadA)).available, (await c.product(a.slug, loadA)).available]).toEqual([loadA.calls - 1, loadA.calls]);
      expect((await c.product(b.id, loadB)).available).toBe(1);
      expect((await c.page({ page: 1 }, pages)).total).toBe(pages.calls);
    }
    expect(pages.calls).toBe(5);
    feed.emit('product.created', { productId: randomUUID() });
    await c.page({ page: 1 }, pages);
    expect(pages.calls).toBe(6);
    expect((await c.product(b.id, loadB)).available).toBe(1);
    feed.emit('inventory.reserved', { orderId: randomUUID() });
    await c.page({ page: 1 }, pages);
    expect(pages.calls).toBe(6);
  });

  it('serves nothing from memory while the feed is not live, and starts afresh when it is again', async () => {
    const c = cache(60_000);
    const p = view();
    const load = counting((n) => ({ ...p, available: n }));
    await c.product(p.id, load);
    feed.set(false);
    await c.product(p.id, load);
    await c.product(p.id, load);
    expect(load.calls).toBe(3);
    feed.set(true);
    await c.product(p.id, load);
    await c.product(p.id, load);
    expect(load.calls).toBe(4);
  });

  it('keeps only ACTIVE products and pages of ACTIVE products (the rest depends on who asks)', async () => {
    const c = cache();
    const draft = counting(() => view({ status: 'DRAFT' }));
    await c.product('d', draft);
    await c.product('d', draft);
    expect(draft.calls).toBe(2);
    const drafts = counting(page);
    await c.page({ status: 'DRAFT' }, drafts);
    await c.page({ status: 'DRAFT' }, drafts);
    expect(drafts.calls).toBe(2);
    const active = counting(page);
    await c.page({ page: 1, sort: 'price_asc' }, active);
    await c.page({ sort: 'price_asc', page: 1 }, active);
    expect(active.calls).toBe(1);
  });

  it('does not store a read that a change overtook (an event or a write through the gateway)', async () => {
    const c = cache(60_000);
    const p = view();
    for (const change of [() => feed.emit('stock.changed', { productId: p.id }), () => c.invalidate()]) {
      let release!: () => void;
      const slow = c.product(p.id, () => new Promise<ProductView>((resolve) => (release = () => resolve({ ...p, available: 1 }))));
      change();
      release();
      expect((await slow).available).toBe(1);
      expect((await c.product(p.id, async () => ({ ...p, available: 2 }))).available).toBe(2);
      c.invalidate();
    }
  });

  it('is off with a TTL of 0', async () => {
    const c = cache(0);
    const load = counting(() => view());
    await c.product('z', load);
    await c.product('z', load);
    expect(load.calls).toBe(2);
  });
});

describe('catalog reads through the gateway cache (all-in-one)', () => {
  let shop: Shop;
  let seller: Account;
  beforeAll(async () => {
    shop = await startShop({ CATALOG_CACHE_TTL_MS: '60000' });
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

  it('a change made elsewhere (another replica, a checkout) shows as soon as its event arrives, long before the TTL', async () => {
    const p = await create();
    expect((await get(p.id)).body.available).toBe(10);
    expect((await get(p.id)).body.available).toBe(10);
    // Straight to the product service, as another gateway replica or a checkout would change it.
    await shop.service('gateway').app.get(RpcClient).send('product.adjustStock', { productId: p.id, mode: 'delta', quantity: -3, reason: 'counted elsewhere' }, { token: shop.admin.token });
    await eventually(async () => (await get(p.id)).body.available === 7, { timeoutMs: 5_000, what: 'the stock change seen through the gateway' });
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
