import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { LiveConfig } from '@shop/config-client';
import { type Envelope, type Page, type ProductSummary, type ProductView, envInt } from '@shop/contracts';
import { EventFeed, METRICS_REGISTRY, counterIn } from '@shop/messaging';
import { LRUCache } from 'lru-cache';
import type { Counter, Registry } from 'prom-client';

/** Events after which a product's cached view is wrong; any catalog or stock event makes the cached pages wrong. */
const CHANGES_PRODUCT = new Set(['product.updated', 'product.price-changed', 'product.archived', 'stock.changed']);
const CHANGES_PAGES = new Set([...CHANGES_PRODUCT, 'product.created']);
const FOLLOW_RETRY_MS = 5_000;

/**
 * A copy, in the gateway's memory, of what the catalog shows everyone: ACTIVE
 * products by id or slug and pages of ACTIVE products. A hit answers without
 * RabbitMQ, the product service or MariaDB (the storefront's hot reads, where
 * those hops cost most of the CPU).
 *
 * Kept right by the catalog's own events, which this instance follows on its
 * own feed (every gateway replica sees every event): a product's entries go on
 * `product.*` and `stock.changed` for it, every page on any of them. Until
 * the feed is live (joined, not rebalancing, not disconnected) nothing is
 * served from memory. `catalog.cache-ttl-ms` (live configuration, 0 turns the
 * cache off) bounds how long an entry lives in any case. A catalog write
 * through this gateway empties the cache at once, so whoever writes reads
 * their write without waiting for its event. Checkout and the cart never read
 * from it: they price and reserve from the product service.
 */
@Injectable()
export class CatalogReadCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CatalogReadCache');
  // Bounded by count (a product view is ~1-2 KB, a page of 20 ~6 KB): at most ~20 MB together.
  private readonly products = new LRUCache<string, ProductView>({
    max: 10_000,
    dispose: (p, key) => {
      const keys = this.keysOf.get(p.id);
      keys?.delete(key);
      if (keys?.size === 0) this.keysOf.delete(p.id);
    },
  });
  private readonly pages = new LRUCache<string, Page<ProductSummary>>({ max: 1_000 });
  /** The cache keys of each product (its id, its slug). */
  private readonly keysOf = new Map<string, Set<string>>();
  /** Bumped by every change: a read that started before it is not stored after it. */
  private generation = 0;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  private readonly lookups?: Counter<'cache' | 'result'>;

  constructor(
    private readonly live: LiveConfig,
    private readonly feed: EventFeed,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    if (registry) this.lookups = counterIn(registry, 'shop_gateway_cache_lookups_total', 'Catalog reads at the gateway by cache (product, page) and result (hit, miss, bypass: feed not live or cache off).', ['cache', 'result']);
  }

  onApplicationBootstrap(): void {
    // Whatever happened while the feed was not live went by unseen: forget everything, both ways.
    this.feed.onLiveChange(() => this.invalidate());
    this.follow();
  }

  /** Follows the catalog's events, retrying in the background: the gateway serves (uncached) without them. */
  private follow(): void {
    this.feed.follow(['catalog.events', 'inventory.events'], (e) => this.onEvent(e)).catch((err: unknown) => {
      this.logger.warn({ msg: 'cannot follow catalog events yet; catalog reads are not cached meanwhile', err: err instanceof Error ? err.message : String(err) });
      if (!this.stopped) this.retry = setTimeout(() => this.follow(), FOLLOW_RETRY_MS).unref();
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  private ttlMs(): number {
    const env = this.live.env();
    return envInt(env, 'CATALOG_CACHE_TTL_MS', 300_000, 0);
  }

  /** A product as anyone sees it; only ACTIVE ones are kept (drafts depend on who asks). */
  product(idOrSlug: string, load: () => Promise<ProductView>): Promise<ProductView> {
    const key = `p:${idOrSlug}`;
    return this.read('product', this.products, key, this.usableTtl('product'), load, (p) => p.status === 'ACTIVE', (p) => {
      this.keysOf.set(p.id, (this.keysOf.get(p.id) ?? new Set<string>()).add(key));
    });
  }

  /** A page of ACTIVE products (the only status whose pages are the same for every caller). */
  page(query: Record<string, unknown>, load: () => Promise<Page<ProductSummary>>): Promise<Page<ProductSummary>> {
    const ttl = query['status'] !== undefined && query['status'] !== 'ACTIVE' ? 0 : this.usableTtl('page');
    const key = JSON.stringify(Object.keys(query).sort().map((k) => [k, query[k]]));
    return this.read('page', this.pages, key, ttl, load, () => true);
  }

  /** From memory, else loaded and kept for `ttl` if `keep` says so and no change overtook the load (then `stored` is told). */
  private async read<T extends object>(
    cache: 'product' | 'page',
    entries: LRUCache<string, T>,
    key: string,
    ttl: number,
    load: () => Promise<T>,
    keep: (value: T) => boolean,
    stored: (value: T) => void = () => undefined,
  ): Promise<T> {
    if (ttl === 0) return load();
    const hit = entries.get(key);
    this.lookups?.inc({ cache, result: hit ? 'hit' : 'miss' });
    if (hit) return hit;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation && keep(value)) {
      entries.set(key, value, { ttl });
      stored(value);
    }
    return value;
  }

  /** A catalog write went through this gateway, or the feed went live or stopped: nothing read before is served after. */
  invalidate(): void {
    this.generation++;
    this.products.clear();
    this.pages.clear();
  }

  private usableTtl(cache: 'product' | 'page'): number {
    const ttl = this.feed.live ? this.ttlMs() : 0;
    if (ttl === 0) this.lookups?.inc({ cache, result: 'bypass' });
    return ttl;
  }

  private onEvent(e: Envelope): void {
    if (!CHANGES_PAGES.has(e.type)) return;
    this.generation++;
    this.pages.clear();
    const productId = (e.payload as { productId?: unknown } | undefined)?.productId;
    if (!CHANGES_PRODUCT.has(e.type) || typeof productId !== 'string') return;
    for (const key of [...(this.keysOf.get(productId) ?? [])]) this.products.delete(key);
    this.keysOf.delete(productId);
  }
}
