import { Controller } from '@nestjs/common';
import type { Login, RefreshTokens, Register, ServiceCredentials } from '@shop/contracts';
import { requireRole } from '@shop/auth';
import { type RpcCall, RpcHandler } from '@shop/messaging';
import { KeyStore } from '../tokens/key-store.js';
import { AuthService } from './auth.service.js';

@Controller()
export class AuthRpcController {
  constructor(
    private readonly auth: AuthService,
    private readonly keys: KeyStore,
  ) {}

  @RpcHandler('user.register')
  register(cmd: Register) {
    return this.auth.register(cmd);
  }

  @RpcHandler('user.login')
  login(cmd: Login) {
    return this.auth.login(cmd);
  }

  @RpcHandler('user.refresh')
  refresh(cmd: RefreshTokens) {
    return this.auth.refresh(cmd.refreshToken);
  }

  @RpcHandler('user.logout')
  async logout(cmd: RefreshTokens) {
    return { revoked: await this.auth.logout(cmd.refreshToken) };
  }

  @RpcHandler('user.jwks')
  jwks() {
    return this.keys.jwks();
  }

  /** Admins only: a new key signs from now on; the old one verifies until its tokens expire. */
  @RpcHandler('user.rotateSigningKey')
  async rotateSigningKey(_: Record<string, never>, { actor }: RpcCall) {
    requireRole(actor, 'ADMIN');
    return { kid: await this.keys.rotate() };
  }

  @RpcHandler('user.serviceToken')
  serviceToken(cmd: ServiceCredentials) {
    return this.auth.serviceToken(cmd);
  }
}
