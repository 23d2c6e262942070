import type { ServiceDefinition } from '@shop/platform';
import { seedDemoCatalog } from './catalog/demo-seed.js';
import { Product } from './catalog/product.entity.js';
import { ProductsService } from './catalog/products.service.js';
import { CreateProducts1764000000100 } from './migrations/1764000000100-create-products.js';
import { ProductModule } from './product.module.js';

export const productService: ServiceDefinition = {
  name: 'product',
  module: ProductModule,
  defaultHttpPort: 3002,
  rpc: true,
  schema: { entities: [Product], migrations: [CreateProducts1764000000100] },
  afterStart: async (app, env) => {
    const count = Number(env['SEED_DEMO_PRODUCTS'] ?? 0);
    if (count > 0) await seedDemoCatalog(app.get(ProductsService), count);
  },
};
