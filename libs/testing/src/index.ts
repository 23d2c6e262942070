export * from './process.js';
export * from './mysql.js';
export * from './rabbitmq.js';
export * from './otlp-receiver.js';
