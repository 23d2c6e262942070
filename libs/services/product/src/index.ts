export * from './product.service-definition.js';
export * from './product.module.js';
export * from './catalog/products.service.js';
export * from './catalog/demo-seed.js';
export * from './inventory/inventory.service.js';
