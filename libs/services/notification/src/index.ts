export * from './notification.service-definition.js';
export * from './notification.module.js';
