import { Module } from '@nestjs/common';
import { APP_ENV } from '@shop/platform';
import { AccountBootstrap } from './accounts/account-bootstrap.js';
import { UsersRpcController } from './accounts/users.rpc.controller.js';
import { UsersService } from './accounts/users.service.js';
import { AuthRpcController } from './credentials/auth.rpc.controller.js';
import { AuthService, SERVICE_SECRETS } from './credentials/auth.service.js';
import { PasswordHasher } from './credentials/password-hasher.js';
import { RefreshTokensService } from './credentials/refresh-tokens.service.js';
import { KeyStore } from './tokens/key-store.js';
import { TokenIssuer } from './tokens/token-issuer.js';

/** Reads SERVICE_SECRETS: a JSON object of service name to client secret. */
export function serviceSecretsFromEnv(env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const raw = env['SERVICE_SECRETS'];
  if (!raw) return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('SERVICE_SECRETS must be a JSON object of service name to secret');
  }
  if (typeof parsed !== 'object' || parsed === null || Object.values(parsed).some((v) => typeof v !== 'string' || v.length < 16)) {
    throw new Error('SERVICE_SECRETS must map service names to secrets of at least 16 characters');
  }
  return new Map(Object.entries(parsed as Record<string, string>));
}

@Module({
  controllers: [AuthRpcController, UsersRpcController],
  providers: [
    KeyStore,
    TokenIssuer,
    PasswordHasher,
    RefreshTokensService,
    AuthService,
    UsersService,
    AccountBootstrap,
    { provide: SERVICE_SECRETS, useFactory: (env: NodeJS.ProcessEnv) => serviceSecretsFromEnv(env), inject: [APP_ENV] },
  ],
  exports: [AccountBootstrap, KeyStore],
})
export class UserModule {}
