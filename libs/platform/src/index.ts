export * from './bootstrap.js';
export * from './health.controller.js';
export * from './metrics.controller.js';
export * from './problem.filter.js';
export * from './readiness.js';
