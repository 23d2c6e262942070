import type { ServiceDefinition } from '@shop/platform';
import { CatalogEventsController } from './catalog-snapshot/catalog.events.controller.js';
import { ProductSnapshot } from './catalog-snapshot/product-snapshot.entity.js';
import { CartOrderEventsController } from './orders/order-events.controller.js';
import { CartModule } from './cart.module.js';
import { CreateProductSnapshots1764000000200 } from './migrations/1764000000200-create-product-snapshots.js';
import { CreateCartLines1764000000500 } from './migrations/1764000000500-create-cart-lines.js';
import { CartLine } from './cart/cart-line.entity.js';

export const cartService: ServiceDefinition = {
  name: 'cart',
  module: CartModule,
  defaultHttpPort: 3003,
  rpc: true,
  schema: { entities: [ProductSnapshot, CartLine], migrations: [CreateProductSnapshots1764000000200, CreateCartLines1764000000500] },
  eventHandlers: [CatalogEventsController, CartOrderEventsController],
};
