import { Inject, Injectable } from '@nestjs/common';
import { ACCESS_TOKEN_TYPE, AUTH_OPTIONS, type AuthOptions } from '@shop/auth';
import { type Role, newId } from '@shop/contracts';
import { type KeyObject, sign } from 'node:crypto';
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
    const now = Math.floor(Date.now() / 1000);
    const payload = { ...claims, iss: this.options.issuer, aud: this.options.audience, sub: subject, jti: newId(), iat: now, nbf: now, exp: now + ttl };
    return { token: signEdDsaJwt({ alg: 'EdDSA', kid, typ: ACCESS_TOKEN_TYPE }, payload, key), expiresIn: ttl };
  }
}

/**
 * A JWT in compact serialization (RFC 7519, 7515) signed with an Ed25519 key
 * ("EdDSA", RFC 8037), by node:crypto and synchronously. jose signs through
 * WebCrypto: an asynchronous job on libuv's thread pool, which at login waits
 * behind the argon2 verifications there, and costs about four times the CPU
 * (a node script here: 273 µs per token against 69 µs). jose verifies these
 * tokens (the gateway; token-issuer.spec.ts).
 */
function signEdDsaJwt(header: { alg: 'EdDSA'; kid: string; typ: string }, payload: Record<string, unknown>, key: KeyObject): string {
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  return `${signingInput}.${sign(null, Buffer.from(signingInput), key).toString('base64url')}`;
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
