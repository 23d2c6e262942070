export * from './config.service-definition.js';
export * from './config.module.js';
