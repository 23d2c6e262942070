export * from './user.service-definition.js';
export * from './user.module.js';
