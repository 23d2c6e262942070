export * from './auth.options.js';
export * from './token-verifier.js';
export * from './access.js';
export * from './http-auth.js';
export * from './rpc-auth.providers.js';
export * from './auth.module.js';
