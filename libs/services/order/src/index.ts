export * from './order.service-definition.js';
export * from './order.module.js';
