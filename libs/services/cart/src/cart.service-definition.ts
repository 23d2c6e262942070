import type { ServiceDefinition } from '@shop/platform';
import { CatalogEventsController } from './catalog-snapshot/catalog.events.controller.js';
import { ProductSnapshot } from './catalog-snapshot/product-snapshot.entity.js';
import { CartModule } from './cart.module.js';
import { CreateProductSnapshots1764000000200 } from './migrations/1764000000200-create-product-snapshots.js';

export const cartService: ServiceDefinition = {
  name: 'cart',
  module: CartModule,
  defaultHttpPort: 3003,
  rpc: true,
  schema: { entities: [ProductSnapshot], migrations: [CreateProductSnapshots1764000000200] },
  eventHandlers: [CatalogEventsController],
};
