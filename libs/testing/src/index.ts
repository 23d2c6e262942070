export * from './process.js';
export * from './mysql.js';
