export * from './registry.types.js';
export * from './discovery-client.js';
