import type { ServiceDefinition } from '@shop/platform';
import { AccountBootstrap } from './accounts/account-bootstrap.js';
import { User } from './accounts/user.entity.js';
import { RefreshToken } from './credentials/refresh-token.entity.js';
import { CreateIdentity1764000000300 } from './migrations/1764000000300-create-identity.js';
import { SigningKey } from './tokens/signing-key.entity.js';
import { UserModule } from './user.module.js';

export const userService: ServiceDefinition = {
  name: 'user',
  module: UserModule,
  defaultHttpPort: 3001,
  rpc: true,
  schema: { entities: [User, RefreshToken, SigningKey], migrations: [CreateIdentity1764000000300] },
  afterStart: async (app, env) => {
    await app.get(AccountBootstrap).ensureAdmin(env['ADMIN_EMAIL'], env['ADMIN_PASSWORD']);
  },
};
