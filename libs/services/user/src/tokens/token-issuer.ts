import { Inject, Injectable } from '@nestjs/common';
import { ACCESS_TOKEN_TYPE, AUTH_OPTIONS, type AuthOptions } from '@shop/auth';
import { type Role, newId } from '@shop/contracts';
import { SignJWT } from 'jose';
import { KeyStore } from './key-store.js';

/** Signs short-lived access tokens for users and services. */
@Injectable()
export class TokenIssuer {
  constructor(
    private readonly keys: KeyStore,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  async forUser(userId: string, roles: Role[]): Promise<{ token: string; expiresIn: number }> {
    return this.sign(userId, { kind: 'user', roles }, this.options.accessTtlSeconds);
  }

  async forService(service: string): Promise<{ token: string; expiresIn: number }> {
    return this.sign(`service:${service}`, { kind: 'service' }, this.options.serviceTokenTtlSeconds);
  }

  private async sign(subject: string, claims: Record<string, unknown>, ttl: number): Promise<{ token: string; expiresIn: number }> {
    const { kid, key } = await this.keys.signingKey();
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(subject)
      .setJti(newId())
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime(`${ttl}s`)
      .sign(key);
    return { token, expiresIn: ttl };
  }
}
