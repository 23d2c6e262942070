import { Inject, Injectable, Optional } from '@nestjs/common';
import { LiveConfig } from '@shop/config-client';
import { type Page, type ProductSummary, type ProductView, envInt } from '@shop/contracts';
import { METRICS_REGISTRY, counterIn } from '@shop/messaging';
import { LRUCache } from 'lru-cache';
import type { Counter, Registry } from 'prom-client';

type Entry = ProductView | Page<ProductSummary>;

/**
 * A short-lived copy, in the gateway, of what the catalog shows everyone:
 * ACTIVE products by id or slug and pages of ACTIVE products. A hit answers
 * without RabbitMQ, the product service or MariaDB (the storefront's hot
 * reads, where those hops cost most of the CPU). Bounded staleness instead
 * of invalidation: an entry lives `catalog.cache-ttl-ms` (live configuration,
 * 0 turns the cache off), so stock and prices seen here lag the catalog by at
 * most that long on other replicas; a catalog write through this gateway
 * empties it at once, so whoever writes reads their write. Checkout and cart
 * never read from it: they price and reserve from the product service.
 */
@Injectable()
export class CatalogReadCache {
  private readonly entries = new LRUCache<string, Entry>({ max: 20_000 });
  /** Bumped by every write: a read that started before it is not stored after it. */
  private generation = 0;
  private readonly lookups?: Counter<'cache' | 'result'>;

  constructor(
    private readonly live: LiveConfig,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    if (registry) this.lookups = counterIn(registry, 'shop_gateway_cache_lookups_total', 'Catalog reads at the gateway by cache (product, page) and result (hit, miss).', ['cache', 'result']);
  }

  private ttlMs(): number {
    return envInt(this.live.env(), 'CATALOG_CACHE_TTL_MS', 1_000, 0);
  }

  /** A product as anyone sees it; only ACTIVE ones are kept (drafts depend on who asks). */
  product(idOrSlug: string, load: () => Promise<ProductView>): Promise<ProductView> {
    return this.read('product', `p:${idOrSlug}`, load, (p) => p.status === 'ACTIVE');
  }

  /** A page of ACTIVE products (the only status whose pages are the same for every caller). */
  page(query: Record<string, unknown>, load: () => Promise<Page<ProductSummary>>): Promise<Page<ProductSummary>> {
    if (query['status'] !== undefined && query['status'] !== 'ACTIVE') return load();
    const key = `l:${JSON.stringify(Object.keys(query).sort().map((k) => [k, query[k]]))}`;
    return this.read('page', key, load, () => true);
  }

  /** A catalog write went through this gateway: nothing read before it is served after it. */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }

  private async read<T extends Entry>(cache: 'product' | 'page', key: string, load: () => Promise<T>, keep: (value: T) => boolean): Promise<T> {
    const ttl = this.ttlMs();
    if (ttl === 0) return load();
    const hit = this.entries.get(key) as T | undefined;
    this.lookups?.inc({ cache, result: hit ? 'hit' : 'miss' });
    if (hit) return hit;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation && keep(value)) this.entries.set(key, value, { ttl });
    return value;
  }
}
