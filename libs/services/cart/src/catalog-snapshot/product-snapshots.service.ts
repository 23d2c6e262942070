import { Injectable } from '@nestjs/common';
import type { ProductCreated, ProductSnapshotView } from '@shop/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { ProductSnapshot } from './product-snapshot.entity.js';

@Injectable()
export class ProductSnapshotsService {
  constructor(private readonly dataSource: DataSource) {}

  /** Applies `product.created` inside the inbox transaction. */
  async onCreated(manager: EntityManager, e: ProductCreated, occurredAt: string): Promise<void> {
    await manager.upsert(
      ProductSnapshot,
      { productId: e.productId, name: e.name, priceAmount: e.price.amount, priceCurrency: e.price.currency, status: e.status, updatedAt: new Date(occurredAt) },
      ['productId'],
    );
  }

  async get(productId: string): Promise<ProductSnapshotView | null> {
    const s = await this.dataSource.getRepository(ProductSnapshot).findOneBy({ productId });
    return s ? { productId: s.productId, name: s.name, price: { amount: s.priceAmount, currency: s.priceCurrency }, status: s.status, updatedAt: s.updatedAt.toISOString() } : null;
  }
}
