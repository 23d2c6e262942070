export * from './cart.service-definition.js';
export * from './cart.module.js';
