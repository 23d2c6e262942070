import { Controller } from '@nestjs/common';
import type { ProductArchived, ProductCreated, ProductPriceChanged, ProductUpdated, StockChanged } from '@shop/contracts';
import { type EventCall, OnEvent } from '@shop/messaging';
import { ProductSnapshotsService } from './product-snapshots.service.js';

@Controller()
export class CatalogEventsController {
  constructor(private readonly snapshots: ProductSnapshotsService) {}

  @OnEvent('product.created')
  onProductCreated(e: ProductCreated, { manager, envelope }: EventCall) {
    return this.snapshots.applyFacts(manager, e, new Date(envelope.occurredAt));
  }

  @OnEvent('product.updated')
  onProductUpdated(e: ProductUpdated, { manager, envelope }: EventCall) {
    return this.snapshots.applyFacts(manager, e, new Date(envelope.occurredAt));
  }

  @OnEvent('product.price-changed')
  onPriceChanged(e: ProductPriceChanged, { manager, envelope }: EventCall) {
    return this.snapshots.applyPrice(manager, e.productId, e.price, new Date(envelope.occurredAt));
  }

  @OnEvent('product.archived')
  onArchived(e: ProductArchived, { manager, envelope }: EventCall) {
    return this.snapshots.applyStatus(manager, e.productId, 'ARCHIVED', new Date(envelope.occurredAt));
  }

  @OnEvent('stock.changed')
  onStockChanged(e: StockChanged, { manager, envelope }: EventCall) {
    return this.snapshots.applyStock(manager, e, new Date(envelope.occurredAt));
  }
}
