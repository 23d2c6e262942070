import { Controller } from '@nestjs/common';
import type { ProductCreated } from '@shop/contracts';
import { type EventCall, OnEvent } from '@shop/messaging';
import { ProductSnapshotsService } from './product-snapshots.service.js';

@Controller()
export class CatalogEventsController {
  constructor(private readonly snapshots: ProductSnapshotsService) {}

  @OnEvent('product.created')
  onProductCreated(e: ProductCreated, { manager, envelope }: EventCall) {
    return this.snapshots.onCreated(manager, e, envelope.occurredAt);
  }
}
