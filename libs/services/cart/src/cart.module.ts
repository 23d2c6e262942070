import { Module } from '@nestjs/common';
import { CatalogEventsController } from './catalog-snapshot/catalog.events.controller.js';
import { ProductSnapshotsRpcController } from './catalog-snapshot/product-snapshots.rpc.controller.js';
import { ProductSnapshotsService } from './catalog-snapshot/product-snapshots.service.js';

@Module({
  controllers: [CatalogEventsController, ProductSnapshotsRpcController],
  providers: [ProductSnapshotsService],
})
export class CartModule {}
