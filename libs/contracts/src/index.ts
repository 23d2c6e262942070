export * from './envelope.js';
export * from './errors.js';
export * from './product.js';
export * from './rpc.js';
export * from './events.js';
export * from './jobs.js';
export * from './user.js';
export * from './cart.js';
