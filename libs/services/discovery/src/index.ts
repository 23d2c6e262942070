export * from './discovery.service-definition.js';
export * from './discovery.module.js';
