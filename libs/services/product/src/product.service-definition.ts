import type { ServiceDefinition } from '@shop/platform';
import { Category } from './catalog/category.entity.js';
import { DemoCatalog } from './catalog/demo-seed.js';
import { Product } from './catalog/product.entity.js';
import { OrderEventsController } from './inventory/order-events.controller.js';
import { Reservation } from './inventory/reservation.entity.js';
import { StockMovement } from './inventory/stock-movement.entity.js';
import { Stock } from './inventory/stock.entity.js';
import { CreateProducts1764000000100 } from './migrations/1764000000100-create-products.js';
import { CatalogAndInventory1764000000400 } from './migrations/1764000000400-catalog-and-inventory.js';
import { CatalogListIndexes1764000000900 } from './migrations/1764000000900-catalog-list-indexes.js';
import { ProductModule } from './product.module.js';

const sellers = (env: NodeJS.ProcessEnv) => (env['DEMO_SELLER_IDS'] ?? '').split(',').filter(Boolean);

export const productService: ServiceDefinition = {
  name: 'product',
  module: ProductModule,
  defaultHttpPort: 3002,
  rpc: true,
  eventHandlers: [OrderEventsController],
  schema: { entities: [Product, Category, Stock, Reservation, StockMovement], migrations: [CreateProducts1764000000100, CatalogAndInventory1764000000400, CatalogListIndexes1764000000900] },
  afterStart: async (app, env) => {
    const count = Number(env['SEED_DEMO_PRODUCTS'] ?? 0);
    if (count > 0) await app.get(DemoCatalog).seed(count, sellers(env));
  },
  seed: async (app, env) => app.get(DemoCatalog).seed(Number(env['SEED_DEMO_PRODUCTS'] || 1000), sellers(env)),
};
