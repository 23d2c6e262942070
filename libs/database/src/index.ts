export * from './database.options.js';
export * from './database.module.js';
export * from './database.health.js';
export * from './retry.js';
