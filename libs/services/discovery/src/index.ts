export * from './discovery.service-definition.js';
export * from './discovery.module.js';
export * from './discovery.server.js';
export * from './instance-registry.js';
