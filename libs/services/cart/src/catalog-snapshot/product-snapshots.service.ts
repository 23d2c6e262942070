import { Injectable } from '@nestjs/common';
import type { Money, ProductCreated, ProductSnapshotView, ProductStatus, StockChanged } from '@shop/contracts';
import { isDuplicateKeyError, sqlTimestamp } from '@shop/database';
import { DataSource, type EntityManager, In } from 'typeorm';
import { ProductSnapshot } from './product-snapshot.entity.js';

/**
 * The cart's last known catalog facts per product, kept from catalog and
 * inventory events (and refreshed whenever the cart reads the catalog), so
 * that carts can be shown while the product service is unreachable.
 */
@Injectable()
export class ProductSnapshotsService {
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
