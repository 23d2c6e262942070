import { Inject, Injectable } from '@nestjs/common';
import { type Actor, DomainError, ErrorCodes, type JsonWebKeySet, ROLES, type Role, SERVICE_NAMES, type ServiceName } from '@shop/contracts';
import { type JWTPayload, createLocalJWKSet, errors, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { AUTH_OPTIONS, type AuthOptions } from './auth.options.js';

/** Where verifiers get the issuer's public keys. */
export abstract class JwksSource {
  abstract fetch(): Promise<JsonWebKeySet>;
}

export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** Refetch the key set on an unknown `kid` at most this often. */
const REFETCH_INTERVAL_MS = 5_000;

export interface VerifiedToken {
  actor: Actor;
  claims: JWTPayload;
}

/**
 * Verifies access tokens against the issuer's JWKS, pinning the algorithm
 * (EdDSA), the token type, issuer, audience and lifetime (small clock-skew
 * leeway). The key set is cached and refetched when a token names an unknown
 * key id, so key rotation needs no restart. A token verified once is known
 * until it expires (plus the leeway), or until the key set is fetched again:
 * the Ed25519 check was ~12% of the gateway's CPU on an authenticated request,
 * paid again by each service the token travels to.
 */
@Injectable()
export class TokenVerifier {
  private keys?: ReturnType<typeof createLocalJWKSet>;
  private fetchedAt = 0;
  private inflight?: Promise<void>;
  private readonly verified = new LRUCache<string, { token: VerifiedToken; until: number }>({ max: 5_000 });

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
    private readonly source: JwksSource,
  ) {}

  async verify(token: string): Promise<VerifiedToken> {
    const known = this.verified.get(token);
    if (known && Date.now() < known.until) return known.token;
    if (!this.keys) await this.refresh(true);
    try {
      return await this.verifyWithCurrentKeys(token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey && (await this.refresh(false))) {
        return this.verifyWithCurrentKeys(token).catch((e: unknown) => this.reject(e));
      }
      return this.reject(err);
    }
  }

  private async verifyWithCurrentKeys(token: string): Promise<VerifiedToken> {
    const { payload } = await jwtVerify(token, this.keys!, {
      algorithms: ['EdDSA'],
      issuer: this.options.issuer,
      audience: this.options.audience,
      typ: ACCESS_TOKEN_TYPE,
      clockTolerance: this.options.clockToleranceSeconds,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    const result = { actor: actorOf(payload), claims: payload };
    // jwtVerify required exp: known until the moment it would refuse the token.
    this.verified.set(token, { token: result, until: (Number(payload.exp) + this.options.clockToleranceSeconds) * 1000 });
    return result;
  }

  /**
   * Refetches the key set. Within REFETCH_INTERVAL_MS of the last fetch it
   * waits for the next allowed one instead of giving up: a token signed by a
   * key rotated in just after a fetch must not be refused (no downtime), and
   * the issuer is still asked at most once per interval.
   */
  private async refresh(force: boolean): Promise<boolean> {
    const seen = this.fetchedAt;
    if (!force && Date.now() - seen < REFETCH_INTERVAL_MS) {
      await new Promise((resolve) => setTimeout(resolve, seen + REFETCH_INTERVAL_MS - Date.now()));
      if (this.fetchedAt !== seen) return true;
    }
    this.inflight ??= this.source
      .fetch()
      .then((jwks) => {
        this.keys = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
        this.fetchedAt = Date.now();
        // A key taken out of the set takes its tokens with it.
        this.verified.clear();
      })
      .finally(() => (this.inflight = undefined));
    await this.inflight;
    return true;
  }

  private reject(err: unknown): never {
    if (err instanceof DomainError) throw err;
    const reason = err instanceof errors.JWTExpired ? 'the token has expired' : 'the token is not valid';
    throw new DomainError(ErrorCodes.AUTH_TOKEN_INVALID, reason);
  }
}

function actorOf(claims: JWTPayload): Actor {
  const sub = String(claims.sub);
  if (claims['kind'] === 'service') {
    const service = sub.replace(/^service:/, '');
    if (!(SERVICE_NAMES as readonly string[]).includes(service)) throw new DomainError(ErrorCodes.AUTH_TOKEN_INVALID, 'unknown service');
    return { kind: 'service', service: service as ServiceName };
  }
  const roles = Array.isArray(claims['roles']) ? (claims['roles'] as unknown[]).filter((r): r is Role => (ROLES as readonly unknown[]).includes(r)) : [];
  return { kind: 'user', userId: sub, roles };
}
