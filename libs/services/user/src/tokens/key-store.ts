import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AUTH_OPTIONS, type AuthOptions } from '@shop/auth';
import { type JsonWebKeySet, newId } from '@shop/contracts';
import { isDuplicateKeyError } from '@shop/database';
import { type JWK, exportJWK, generateKeyPair } from 'jose';
import { type JsonWebKey, type KeyObject, createPrivateKey } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SigningKey } from './signing-key.entity.js';

const RELOAD_MS = 30_000;

interface LoadedKey {
  kid: string;
  status: 'ACTIVE' | 'RETIRED';
  createdAt: Date;
  retiredAt: Date | null;
  publicJwk: JWK;
  privateKey?: KeyObject;
}

/**
 * The Ed25519 keys that sign access tokens, shared by every instance of the
 * user service through its database. Rotation adds a key that signs from then
 * on; the previous one keeps verifying for one access-token lifetime, so no
 * token in flight is rejected.
 */
@Injectable()
export class KeyStore implements OnModuleInit {
  private keys: LoadedKey[] = [];
  private loadedAt = 0;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.load();
    if (!this.keys.some((k) => k.status === 'ACTIVE')) await this.createKey();
  }

  /** The newest active key, for signing. */
  async signingKey(): Promise<{ kid: string; key: KeyObject }> {
    if (Date.now() - this.loadedAt > RELOAD_MS) await this.load();
    const active = this.keys.filter((k) => k.status === 'ACTIVE').sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
    if (!active?.privateKey) throw new Error('no active signing key');
    return { kid: active.kid, key: active.privateKey };
  }

  /** Public keys that may have signed a token still alive. */
  async jwks(): Promise<JsonWebKeySet> {
    // Always from the database: another replica may have just rotated, and verifiers cache what they get.
    await this.load();
    const horizon = Date.now() - (this.options.accessTtlSeconds + this.options.clockToleranceSeconds) * 1000;
    return {
      keys: this.keys
        .filter((k) => k.status === 'ACTIVE' || (k.retiredAt && k.retiredAt.getTime() > horizon))
        .map((k) => ({ ...k.publicJwk, kid: k.kid, alg: 'EdDSA', use: 'sig' })),
    };
  }

  /** Makes a new key the signing key and retires the others. */
  async rotate(): Promise<string> {
    const kid = await this.createKey();
    await this.dataSource.getRepository(SigningKey).createQueryBuilder().update().set({ status: 'RETIRED', retiredAt: new Date() }).where('status = :s AND kid <> :kid', { s: 'ACTIVE', kid }).execute();
    await this.load();
    return kid;
  }

  private async createKey(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const kid = newId();
    try {
      await this.dataSource.getRepository(SigningKey).insert({
        kid,
        publicJwk: JSON.stringify(await exportJWK(publicKey)),
        privateJwk: JSON.stringify(await exportJWK(privateKey)),
        status: 'ACTIVE',
        createdAt: new Date(),
        retiredAt: null,
      });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    await this.load();
    return kid;
  }

  private async load(): Promise<void> {
    const rows = await this.dataSource.getRepository(SigningKey).find();
    this.keys = rows.map((r) => ({
      kid: r.kid,
      status: r.status,
      createdAt: r.createdAt,
      retiredAt: r.retiredAt,
      publicJwk: JSON.parse(r.publicJwk) as JWK,
      // A KeyObject: TokenIssuer signs with node:crypto synchronously (see there).
      privateKey: r.status === 'ACTIVE' ? createPrivateKey({ key: JSON.parse(r.privateJwk) as JsonWebKey, format: 'jwk' }) : undefined,
    }));
    this.loadedAt = Date.now();
  }
}
