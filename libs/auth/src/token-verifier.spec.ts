import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import { DomainError, type JsonWebKeySet } from '@shop/contracts';
import { type CryptoKey, type JWK, type JWTPayload, SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { AuthOptions } from './auth.options.js';
import { JwksSource, TokenVerifier } from './token-verifier.js';

/**
 * Exact claim checks of the verifier every service and the gateway use, with
 * Ed25519 keys generated here: algorithm, type, issuer, audience, lifetime
 * (with the clock-skew leeway), signature, key id, and the key-set refetch.
 */

const OPTIONS: AuthOptions = { issuer: 'shop', audience: 'shop-api', accessTtlSeconds: 900, refreshTtlSeconds: 3600, serviceTokenTtlSeconds: 300, clockToleranceSeconds: 5 };

/** The issuer's published keys, as the verifier fetches them; counts the fetches. */
class PublishedKeys extends JwksSource {
  keys: JWK[] = [];
  fetches = 0;

  fetch(): Promise<JsonWebKeySet> {
    this.fetches++;
    return Promise.resolve({ keys: this.keys.map((k) => ({ ...k })) });
  }
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function newKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = randomUUID();
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' } };
}

const now = () => Math.floor(Date.now() / 1000);

interface Overrides {
  header?: Record<string, unknown>;
  claims?: JWTPayload;
  omit?: Array<'iss' | 'aud' | 'sub' | 'exp' | 'iat' | 'nbf'>;
}

/** A token as the user service issues it, with any header or claim changed. */
function sign(key: SigningKey, o: Overrides = {}): Promise<string> {
  const t = now();
  const claims: JWTPayload = { kind: 'user', roles: ['CUSTOMER'], iss: OPTIONS.issuer, aud: OPTIONS.audience, sub: 'user-1', jti: randomUUID(), iat: t, nbf: t, exp: t + 900, ...o.claims };
  for (const name of o.omit ?? []) delete claims[name];
  return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid, ...o.header } as never).sign(key.privateKey);
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('TokenVerifier', () => {
  let published: PublishedKeys;
  let key: SigningKey;
  let verifier: TokenVerifier;

  beforeEach(async () => {
    published = new PublishedKeys();
    key = await newKey();
    published.keys = [key.jwk];
    verifier = new TokenVerifier(OPTIONS, published);
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  async function refusal(token: string): Promise<string> {
    try {
      await verifier.verify(token);
    } catch (err) {
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('AUTH.TOKEN_INVALID');
      return (err as DomainError).message;
    }
    throw new Error('the token was accepted');
  }

  it('accepts a token of the issuer and builds the actor from its claims, dropping unknown roles', async () => {
    const { actor } = await verifier.verify(await sign(key, { claims: { sub: 'user-42', roles: ['SELLER', 'ROOT', 'CUSTOMER'] } }));
    expect(actor).toEqual({ kind: 'user', userId: 'user-42', roles: ['SELLER', 'CUSTOMER'] });
  });

  it('accepts a service token of a known service and refuses one of an unknown service', async () => {
    const { actor } = await verifier.verify(await sign(key, { claims: { kind: 'service', sub: 'service:product', roles: undefined } }));
    expect(actor).toEqual({ kind: 'service', service: 'product' });
    await refusal(await sign(key, { claims: { kind: 'service', sub: 'service:evil' } }));
  });

  it('refuses another issuer and another audience', async () => {
    await refusal(await sign(key, { claims: { iss: 'someone-else' } }));
    await refusal(await sign(key, { claims: { aud: 'another-api' } }));
    await refusal(await sign(key, { claims: { aud: ['another-api', 'a-third-api'] } }));
  });

  it('refuses an expired token beyond the 5 s tolerance, and says so; accepts one expired within it', async () => {
    expect(await refusal(await sign(key, { claims: { iat: now() - 60, nbf: now() - 60, exp: now() - 7 } }))).toMatch(/expired/);
    await expect(verifier.verify(await sign(key, { claims: { iat: now() - 60, nbf: now() - 60, exp: now() - 3 } }))).resolves.toBeDefined();
  });

  it('refuses a token not valid yet (nbf ahead beyond the tolerance); accepts nbf within it', async () => {
    await refusal(await sign(key, { claims: { nbf: now() + 60 } }));
    await expect(verifier.verify(await sign(key, { claims: { nbf: now() + 3 } }))).resolves.toBeDefined();
  });

  it('refuses a token without exp, iat or sub', async () => {
    for (const claim of ['exp', 'iat', 'sub'] as const) await refusal(await sign(key, { omit: [claim] }));
  });

  it('refuses any type but at+jwt (an ID token or a plain JWT signed by the same key)', async () => {
    for (const typ of ['JWT', 'id_token+jwt', undefined]) await refusal(await sign(key, { header: { typ } }));
  });

  it('refuses alg none, with or without a signature', async () => {
    const token = await sign(key, { claims: { roles: ['ADMIN'] } });
    const [, payload, signature] = token.split('.');
    const header = b64({ alg: 'none', typ: 'at+jwt', kid: key.kid });
    await refusal(`${header}.${payload}.`);
    await refusal(`${header}.${payload}.${signature}`);
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const spki = createPublicKey({ key: key.jwk as never, format: 'jwk' });
    for (const secret of [JSON.stringify(key.jwk), key.jwk.x!, Buffer.from(key.jwk.x!, 'base64url'), spki.export({ type: 'spki', format: 'pem' }) as string]) {
      const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: key.kid })}.${b64({ iss: OPTIONS.issuer, aud: OPTIONS.audience, sub: 'user-1', roles: ['ADMIN'], iat: now(), exp: now() + 600 })}`;
      await refusal(`${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`);
    }
  });

  it('refuses an RS256 token even when its key is published (the algorithm is pinned to EdDSA)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID();
    published.keys.push({ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' });
    const t = now();
    const token = await new SignJWT({ kind: 'user', roles: ['ADMIN'] }).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid }).setIssuer(OPTIONS.issuer).setAudience(OPTIONS.audience).setSubject('user-1').setIssuedAt(t).setExpirationTime(t + 600).sign(privateKey);
    await refusal(token);
  });

  it('refuses a tampered payload under a valid signature, and a published kid on a token signed by another key', async () => {
    const [header, , signature] = (await sign(key)).split('.');
    const payload = b64({ kind: 'user', roles: ['ADMIN'], iss: OPTIONS.issuer, aud: OPTIONS.audience, sub: 'user-1', iat: now(), nbf: now(), exp: now() + 900 });
    await refusal(`${header}.${payload}.${signature}`);
    const impostor = await newKey();
    await refusal(await sign({ ...impostor, kid: key.kid }));
  });

  it('knows a verified token until it expires (plus the leeway), then refuses it as expired', async () => {
    const token = await sign(key, { claims: { exp: now() + 10 } });
    vi.useFakeTimers({ toFake: ['Date'] });
    const checks = vi.spyOn(globalThis.crypto.subtle, 'verify');
    await verifier.verify(token);
    await verifier.verify(token);
    expect(checks).toHaveBeenCalledTimes(1);
    published.keys = [];
    // Known: the (now unpublished) key is not consulted again while the key set is not refetched.
    await expect(verifier.verify(token)).resolves.toBeDefined();
    vi.advanceTimersByTime(14_000);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    vi.advanceTimersByTime(2_000);
    expect(await refusal(token)).toMatch(/not valid|expired/);
  });

  it('forgets every verified token when the key set is fetched again: a key taken out takes its tokens with it', async () => {
    const token = await sign(key);
    await verifier.verify(token);
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const rotated = await newKey();
    published.keys = [rotated.jwk];
    const stranger = refusal(await sign(await newKey()));
    await vi.advanceTimersByTimeAsync(5_100);
    await stranger;
    expect(published.fetches).toBe(2);
    // Verified before, but its key is gone: checked again (and refused, after one more refetch for its kid).
    const again = refusal(token);
    await vi.advanceTimersByTimeAsync(5_100);
    await again;
  });

  it('fetches the key set once for many tokens', async () => {
    for (let i = 0; i < 5; i++) await verifier.verify(await sign(key));
    expect(published.fetches).toBe(1);
  });

  it('accepts a token of a key rotated in right after its last fetch: it waits for the next allowed refetch instead of refusing', async () => {
    await verifier.verify(await sign(key));
    expect(published.fetches).toBe(1);
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const rotated = await newKey();
    published.keys.push(rotated.jwk);
    const verified = verifier.verify(await sign(rotated, { claims: { sub: 'after-rotation' } }));
    await vi.advanceTimersByTimeAsync(4_000);
    expect(published.fetches).toBe(1);
    await vi.advanceTimersByTimeAsync(1_100);
    await expect(verified).resolves.toMatchObject({ actor: { userId: 'after-rotation' } });
    expect(published.fetches).toBe(2);
  });

  it('asks the issuer at most once per 5 s however many unknown kids arrive, together or one after another, and refuses them all', async () => {
    await verifier.verify(await sign(key));
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const strangers = await Promise.all(Array.from({ length: 23 }, async () => sign(await newKey())));
    const together = Promise.all(strangers.slice(0, 20).map((t) => refusal(t)));
    await vi.advanceTimersByTimeAsync(5_100);
    expect(await together).toHaveLength(20);
    expect(published.fetches).toBe(2);
    const oneByOne = (async () => {
      for (const t of strangers.slice(20)) await refusal(t);
    })();
    await vi.advanceTimersByTimeAsync(4_000);
    expect(published.fetches).toBe(2);
    await vi.advanceTimersByTimeAsync(11_500);
    await oneByOne;
    expect(published.fetches).toBe(5);
  });
});
