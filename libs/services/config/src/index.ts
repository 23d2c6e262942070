export * from './config.service-definition.js';
export * from './config.module.js';
export * from './config.server.js';
export * from './config-state.js';
export * from './config-repository.js';
