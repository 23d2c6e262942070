export * from './user.service-definition.js';
export * from './user.module.js';
export * from './accounts/account-bootstrap.js';
export * from './tokens/key-store.js';
export * from './credentials/password-policy.js';
export { PASSWORD_HASH_PARAMS } from './credentials/password-hasher.js';
