import { type DynamicModule, Global, Module } from '@nestjs/common';
import { RPC_AUTHENTICATOR, RPC_CREDENTIALS } from '@shop/messaging';
import { AUTH_OPTIONS, type AuthOptions } from './auth.options.js';
import { RpcJwksSource, ServiceCredentials, TokenRpcAuthenticator } from './rpc-auth.providers.js';
import { JwksSource, TokenVerifier } from './token-verifier.js';

/** Token verification for HTTP routes and RPC handlers, and the service's own credentials. */
@Global()
@Module({})
export class AuthModule {
  static forService(options: AuthOptions): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: AUTH_OPTIONS, useValue: options },
        { provide: JwksSource, useClass: RpcJwksSource },
        TokenVerifier,
        { provide: RPC_AUTHENTICATOR, useClass: TokenRpcAuthenticator },
        { provide: RPC_CREDENTIALS, useClass: ServiceCredentials },
      ],
      exports: [AUTH_OPTIONS, JwksSource, TokenVerifier, RPC_AUTHENTICATOR, RPC_CREDENTIALS],
    };
  }
}
