export * from './gateway.service-definition.js';
export * from './gateway.module.js';
