export * from './bootstrap.js';
export * from './health.controller.js';
export * from './http-metrics.js';
export * from './metrics.controller.js';
export * from './problem.filter.js';
export * from './readiness.js';
