export * from './tracing.js';
export * from './redact.js';
export * from './logger.js';
