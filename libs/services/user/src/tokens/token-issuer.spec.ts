import { type AuthOptions, JwksSource, TokenVerifier } from '@shop/auth';
import { DomainError, type JsonWebKeySet } from '@shop/contracts';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import type { KeyStore } from './key-store.js';
import { TokenIssuer } from './token-issuer.js';

/**
 * The tokens TokenIssuer signs with node:crypto are the ones the gateway and
 * every service accept: checked with the verifier they use (jose's jwtVerify,
 * pinned to EdDSA, at+jwt, issuer, audience and lifetime).
 */

const OPTIONS: AuthOptions = { issuer: 'shop', audience: 'shop-api', accessTtlSeconds: 900, refreshTtlSeconds: 3600, serviceTokenTtlSeconds: 300, clockToleranceSeconds: 5 };

function ed25519(kid: string) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' } };
}

class Published extends JwksSource {
  constructor(private readonly set: JsonWebKeySet) {
    super();
  }
  fetch(): Promise<JsonWebKeySet> {
    return Promise.resolve(this.set);
  }
}

describe('TokenIssuer', () => {
  const signing = ed25519('key-1');
  const issuer = new TokenIssuer({ signingKey: () => Promise.resolve({ kid: signing.kid, key: signing.privateKey }) } as unknown as KeyStore, OPTIONS);
  const verifier = () => new TokenVerifier(OPTIONS, new Published({ keys: [signing.jwk] }));

  async function refusal(token: string): Promise<string> {
    const err = await verifier()
      .verify(token)
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    return (err as DomainError).code;
  }

  it('signs user tokens the verifier accepts, with the header and claims it pins', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { token, expiresIn } = await issuer.forUser('user-1', ['CUSTOMER', 'SELLER']);
    expect((await verifier().verify(token)).actor).toEqual({ kind: 'user', userId: 'user-1', roles: ['CUSTOMER', 'SELLER'] });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid: 'key-1', typ: 'at+jwt' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'shop', aud: 'shop-api', sub: 'user-1', kind: 'user', roles: ['CUSTOMER', 'SELLER'] });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.nbf).toBe(claims.iat);
    expect(claims.exp).toBe(Number(claims.iat) + 900);
    expect(expiresIn).toBe(900);
    const other = await issuer.forUser('user-1', ['CUSTOMER']);
    expect(decodeJwt(other.token).jti).not.toBe(claims.jti);
  });

  it('signs service tokens with their own lifetime', async () => {
    const { token, expiresIn } = await issuer.forService('order');
    expect((await verifier().verify(token)).actor).toEqual({ kind: 'service', service: 'order' });
    const claims = decodeJwt(token);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(300);
    expect(expiresIn).toBe(300);
  });

  it('makes signatures that break when any part of the token changes', async () => {
    const { token } = await issuer.forUser('user-1', ['CUSTOMER']);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(token), roles: ['ADMIN'] })).toString('base64url');
    expect(await refusal(`${header}.${forged}.${signature}`)).toBe('AUTH.TOKEN_INVALID');
    const flipped = Buffer.from(signature, 'base64url');
    flipped[0] ^= 1;
    expect(await refusal(`${header}.${payload}.${flipped.toString('base64url')}`)).toBe('AUTH.TOKEN_INVALID');
    // Signed by a key the issuer never published, under a published kid.
    const stranger = ed25519('key-1');
    const impostor = new TokenIssuer({ signingKey: () => Promise.resolve({ kid: 'key-1', key: stranger.privateKey }) } as unknown as KeyStore, OPTIONS);
    expect(await refusal((await impostor.forUser('user-1', ['ADMIN'])).token)).toBe('AUTH.TOKEN_INVALID');
  });
});
