import { Injectable } from '@nestjs/common';
import type { Money, ProductCreated, ProductSnapshotView, ProductStatus, StockChanged } from '@shop/contracts';
import { isDuplicateKeyError, retryTransaction, sqlTimestamp } from '@shop/database';
import { LRUCache } from 'lru-cache';
import { DataSource, type EntityManager, In } from 'typeorm';
import { ProductSnapshot } from './product-snapshot.entity.js';

/**
 * The cart's last known catalog facts per product, kept from catalog and
 * inventory events (and refreshed whenever the cart reads the catalog), so
 * that carts can be shown while the product service is unreachable.
 */
@Injectable()
export class ProductSnapshotsService {
  /** The newest facts time this process knows each copy holds (at least): adds of a known product skip the read. */
  private readonly seen = new LRUCache<string, number>({ max: 10_000 });

  constructor(private readonly dataSource: DataSource) {}

  /** Applies a product's facts as of `at`; an older fact never overwrites a newer one. */
  async applyFacts(manager: EntityManager, e: Pick<ProductCreated, 'productId' | 'name' | 'price' | 'status'>, at: Date): Promise<void> {
    const existing = await manager.findOneBy(ProductSnapshot, { productId: e.productId });
    // Already as new: no write, so no lock on a row every add of a popular product would otherwise queue on.
    if (existing && existing.updatedAt.getTime() >= at.getTime()) return;
    if (!existing) {
      try {
        await manager.insert(ProductSnapshot, { productId: e.productId, name: e.name, priceAmount: e.price.amount, priceCurrency: e.price.currency, status: e.status, updatedAt: at, available: null, stockUpdatedAt: null });
        return;
      } catch (err) {
        // Written meanwhile by a concurrent add or the catalog event (MySQL and SQLite undo only the failed statement): update it as below.
        if (!isDuplicateKeyError(err)) throw err;
      }
    }
    await manager
      .createQueryBuilder()
      .update(ProductSnapshot)
      .set({ name: e.name, priceAmount: e.price.amount, priceCurrency: e.price.currency, status: e.status, updatedAt: at })
      .where('product_id = :id AND updated_at <= :at', { id: e.productId, at: sqlTimestamp(at) })
      .execute();
  }

  /**
   * Refreshes the copy from what the catalog just answered, outside any other
   * work: read first (no lock, no transaction: the common case of a copy
   * already as new), written only when older, and retried when InnoDB picks
   * the write as a deadlock victim (concurrent adds of a new product).
   */
  async refresh(facts: Pick<ProductCreated, 'productId' | 'name' | 'price' | 'status'>, at: Date): Promise<void> {
    // A copy only moves forward (every write is conditional on its time), so what this process saw or wrote is a floor.
    if ((this.seen.get(facts.productId) ?? -1) >= at.getTime()) return;
    const existing = await this.dataSource.getRepository(ProductSnapshot).findOneBy({ productId: facts.productId });
    if (!existing || existing.updatedAt.getTime() < at.getTime()) await retryTransaction(() => this.dataSource.transaction((m) => this.applyFacts(m, facts, at)));
    this.seen.set(facts.productId, Math.max(existing?.updatedAt.getTime() ?? -1, at.getTime()));
  }

  async applyPrice(manager: EntityManager, productId: string, price: Money, at: Date): Promise<void> {
    await manager.createQueryBuilder().update(ProductSnapshot).set({ priceAmount: price.amount, priceCurrency: price.currency, updatedAt: at }).where('product_id = :id AND updated_at <= :at', { id: productId, at: sqlTimestamp(at) }).execute();
  }

  async applyStatus(manager: EntityManager, productId: string, status: ProductStatus, at: Date): Promise<void> {
    await manager.createQueryBuilder().update(ProductSnapshot).set({ status, updatedAt: at }).where('product_id = :id AND updated_at <= :at', { id: productId, at: sqlTimestamp(at) }).execute();
  }

  async applyStock(manager: EntityManager, e: StockChanged, at: Date): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(ProductSnapshot)
      .set({ available: e.available, stockUpdatedAt: at })
      .where('product_id = :id AND (stock_updated_at IS NULL OR stock_updated_at <= :at)', { id: e.productId, at: sqlTimestamp(at) })
      .execute();
  }

  async many(productIds: string[]): Promise<Map<string, ProductSnapshot>> {
    if (!productIds.length) return new Map();
    const rows = await this.dataSource.getRepository(ProductSnapshot).findBy({ productId: In(productIds) });
    return new Map(rows.map((r) => [r.productId, r]));
  }

  async get(productId: string): Promise<ProductSnapshotView | null> {
    const s = await this.dataSource.getRepository(ProductSnapshot).findOneBy({ productId });
    return s ? { productId: s.productId, name: s.name, price: { amount: s.priceAmount, currency: s.priceCurrency }, status: s.status, updatedAt: s.updatedAt.toISOString() } : null;
  }
}
