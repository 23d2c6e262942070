export * from './gateway.service-definition.js';
export * from './gateway.module.js';
export * from './openapi/index.js';
export * from './catalog/catalog-read-cache.js';
