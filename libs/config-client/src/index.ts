export * from './properties.js';
export * from './placeholders.js';
export * from './schema.js';
export * from './live-config.js';
export * from './config-client.js';
export * from './announcements.js';
