import { createHmac, createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import type { Actor, Role, TokenPair, UserPage, UserView } from '@shop/contracts';
import type { RpcClient } from '@shop/messaging';
import { type JWK, SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { type RoleTokens, classify, expectedOutcome, probeRouteMatrix } from './route-matrix.js';

/**
 * The security suite of issue 3, one scenario module run against both modes
 * (test/all-in-one/security.e2e-spec.ts in one process on SQLite,
 * test/cluster/security.e2e-spec.ts as processes on MariaDB, RabbitMQ and
 * Kafka). Everything goes through the gateway over HTTP, except the messages
 * that deliberately bypass it.
 */

export interface SecurityTarget {
  gatewayUrl: string;
  /** A client on the target's messaging that sends exactly the token and actor a test gives it. */
  rpc?: RpcClient;
  /** Starts one more gateway on the same backend with these settings on top; stopped with the target. */
  startGateway(env: Record<string, string>): Promise<string>;
  /** Everything every app of the target logged so far. */
  logs(): string;
  stop(): Promise<void>;
}

export interface TargetSpec {
  /** Label for logs and names. */
  name: string;
  /** Settings of every app of the target, on top of the mode's own. */
  env: Record<string, string>;
  /** Whether the tests need the catalog and the cart (the cluster mode spares their processes otherwise). */
  catalog: boolean;
}

export type StartTarget = (spec: TargetSpec) => Promise<SecurityTarget>;

export interface SuiteOptions {
  /** Redis shared by the gateways of a target: proves that two gateway replicas count against the same limits. */
  sharedRateLimitRedisUrl?: string;
}

export const ADMIN = { email: 'first.admin@security.test', password: 'quartz-lantern-meadow-42' };

/** The target most tests use: default lifetimes, limits out of the way. */
export const MAIN_ENV: Record<string, string> = {
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
  RATE_LIMIT_PER_USER: '100000',
  RATE_LIMIT_AUTH_PER_IP: '100000',
  RATE_LIMIT_LOGIN_PER_ACCOUNT: '100000',
};

const SHORT_TTL_SECONDS = 2;
const SHORT_TOLERANCE_SECONDS = 1;
const AUTH_WINDOW_MS = 2_000;
const LIMIT_PER_IP = 8;
const LIMIT_PER_ACCOUNT = 3;

/** Short-lived tokens, another issuer and audience, and small auth limits in a 2 s window. */
export const SHORT_ENV: Record<string, string> = {
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
  AUTH_ISSUER: 'shop-short-lived',
  AUTH_AUDIENCE: 'shop-short-lived-api',
  AUTH_ACCESS_TTL_SECONDS: String(SHORT_TTL_SECONDS),
  AUTH_CLOCK_TOLERANCE_SECONDS: String(SHORT_TOLERANCE_SECONDS),
  RATE_LIMIT_PER_USER: '100000',
  RATE_LIMIT_AUTH_TTL_MS: String(AUTH_WINDOW_MS),
  RATE_LIMIT_AUTH_PER_IP: String(LIMIT_PER_IP),
  RATE_LIMIT_LOGIN_PER_ACCOUNT: String(LIMIT_PER_ACCOUNT),
};

// ---------------------------------------------------------------- HTTP

/**
 * Waits until a gateway answers requests that need the user and the product
 * service: its /health/ready can be up a moment before its registry copy
 * lists the services it calls.
 */
export async function waitUntilServing(gatewayUrl: string, { catalog = true, timeoutMs = 30_000 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const answers = await Promise.all(['/api/v1/auth/jwks', ...(catalog ? ['/api/v1/products?pageSize=1'] : [])].map((p) => fetch(`${gatewayUrl}${p}`).then(async (r) => `${p}: ${r.status} ${r.status === 200 ? '' : await r.text()}`, (err: unknown) => `${p}: ${String(err)}`)));
    if (answers.every((a) => / 200 $/.test(a))) return;
    last = answers.join('; ');
    if (Date.now() > deadline) throw new Error(`${gatewayUrl} did not serve within ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

/** A small HTTP client of one gateway that keeps every response text (the leak test reads them). */
export class Api {
  readonly responses: string[] = [];

  constructor(readonly baseUrl: string) {}

  async call<T = unknown>(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
    const text = await res.text();
    this.responses.push(`${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${text}`);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, text, body: body as T };
  }

  get = <T = unknown>(path: string, token?: string) => this.call<T>('GET', path, { token });
  post = <T = unknown>(path: string, body: unknown, token?: string) => this.call<T>('POST', path, { body, token });
}

export interface Account {
  id: string;
  email: string;
  password: string;
}

let counter = 0;
/** An e-mail no other test (or run) uses. */
export function freshEmail(label: string): string {
  return `${label}.${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(2).toString('hex')}@security.test`;
}

/** A password the policy accepts (random words, no e-mail in it). */
export function strongPassword(): string {
  return `amber-${randomBytes(6).toString('base64url')}-orbit-${randomBytes(3).toString('hex')}`;
}

export async function register(api: Api, label: string): Promise<Account> {
  const email = freshEmail(label);
  const password = strongPassword();
  const res = await api.post<UserView>('/api/v1/auth/register', { email, password, displayName: `${label} user` });
  if (res.status !== 201) throw new Error(`register ${email}: ${res.status} ${res.text}`);
  return { id: res.body.id, email, password };
}

export async function login(api: Api, who: { email: string; password: string }): Promise<TokenPair> {
  const res = await api.post<TokenPair>('/api/v1/auth/login', { email: who.email, password: who.password });
  if (res.status !== 200) throw new Error(`login ${who.email}: ${res.status} ${res.text}`);
  return res.body;
}

/** An admin, a seller (a customer the admin made a seller) and a customer, each with a fresh access token. */
export async function roleTokens(api: Api): Promise<RoleTokens & { accounts: Record<Role, Account> }> {
  const admin = await login(api, ADMIN);
  const seller = await register(api, 'seller');
  const promoted = await api.call('PUT', `/api/v1/admin/users/${seller.id}/roles`, { token: admin.accessToken, body: { roles: ['SELLER'] } });
  if (promoted.status !== 200) throw new Error(`promote seller: ${promoted.status} ${promoted.text}`);
  const customer = await register(api, 'customer');
  const adminMe = (await api.get<UserView>('/api/v1/users/me', admin.accessToken)).body;
  return {
    ADMIN: admin.accessToken,
    SELLER: (await login(api, seller)).accessToken,
    CUSTOMER: (await login(api, customer)).accessToken,
    accounts: { ADMIN: { id: adminMe.id, ...ADMIN }, SELLER: seller, CUSTOMER: customer },
  };
}

/** 401, problem+json, a WWW-Authenticate challenge, and one of the authentication codes. */
export function expectUnauthorized(res: Reply, code = /^(AUTH\.TOKEN_INVALID|UNAUTHENTICATED)$/): void {
  expect({ status: res.status, contentType: res.headers.get('content-type'), challenge: res.headers.get('www-authenticate') }).toEqual({
    status: 401,
    contentType: expect.stringMatching(/^application\/problem\+json/),
    challenge: expect.stringMatching(/^Bearer realm="shop"/),
  });
  expect((res.body as { code: string }).code).toMatch(code);
}

// ---------------------------------------------------------------- tokens

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function parts(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signature: string; signingInput: string } {
  const [h, p, s] = token.split('.') as [string, string, string];
  return { header: decodeProtectedHeader(token) as Record<string, unknown>, payload: decodeJwt(token) as Record<string, unknown>, signature: s, signingInput: `${h}.${p}` };
}

/** Same header and signature, another payload. */
function withPayload(token: string, change: (p: Record<string, unknown>) => Record<string, unknown>): string {
  const { header, payload, signature } = parts(token);
  return `${b64(header)}.${b64(change(payload))}.${signature}`;
}

function hs256(header: Record<string, unknown>, payload: Record<string, unknown>, secret: Buffer | string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** A token with the right claims, signed by an Ed25519 key the issuer never published. */
async function signWithOwnKey(claims: Record<string, unknown>, header: { kid: string }, times: { nbf?: number } = {}): Promise<string> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ kind: 'user', roles: ['ADMIN'] })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: header.kid })
    .setIssuer(String(claims['iss']))
    .setAudience(claims['aud'] as string)
    .setSubject(String(claims['sub']))
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setNotBefore(times.nbf ?? now)
    .setExpirationTime(now + 600)
    .sign(privateKey);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the access token is past its expiry plus the clock tolerance. */
async function waitPastExpiry(token: string, toleranceSeconds: number): Promise<void> {
  const exp = Number(decodeJwt(token).exp);
  await sleep(Math.max(0, (exp + toleranceSeconds) * 1000 - Date.now() + 1_100));
}

async function rpcError(promise: Promise<unknown>): Promise<{ code: string } | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return { code: (err as { code: string }).code };
  }
}

// ---------------------------------------------------------------- the suite

export function describeSecuritySuite(name: string, startTarget: StartTarget, options: SuiteOptions = {}): void {
  describe(name, () => {
    let main: SecurityTarget;
    let short: SecurityTarget;
    let api: Api;
    let shortApi: Api;
    let tokens: Awaited<ReturnType<typeof roleTokens>>;

    beforeAll(async () => {
      const shortEnv = options.sharedRateLimitRedisUrl ? { ...SHORT_ENV, RATE_LIMIT_REDIS_URL: options.sharedRateLimitRedisUrl } : SHORT_ENV;
      const started = await Promise.allSettled([startTarget({ name: 'main', env: MAIN_ENV, catalog: true }), startTarget({ name: 'short', env: shortEnv, catalog: false })]);
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) {
        await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
        throw failed.reason;
      }
      [main, short] = started.map((s) => (s as PromiseFulfilledResult<SecurityTarget>).value) as [SecurityTarget, SecurityTarget];
      api = new Api(main.gatewayUrl);
      shortApi = new Api(short.gatewayUrl);
      tokens = await roleTokens(api);
    });

    afterAll(async () => {
      await Promise.all([main?.stop(), short?.stop()]);
    });

    describe('the route x role matrix', () => {
      it('every non-public route answers 401 without a token and 403 to each role it does not allow, and lets the allowed roles through', async () => {
        const outcomes = await probeRouteMatrix(main.gatewayUrl, tokens, randomUUID());
        const wrong = outcomes.filter((o) => classify(o) !== expectedOutcome(o.route, o.as)).map((o) => ({ ...o, expected: expectedOutcome(o.route, o.as) }));
        expect(wrong).toEqual([]);
        // The matrix has routes of each kind, so the probe above cannot be vacuous.
        expect(outcomes.filter((o) => classify(o) === 'forbidden').length).toBeGreaterThanOrEqual(5 * 2);
        expect(outcomes.filter((o) => o.as === 'anonymous').length).toBeGreaterThanOrEqual(8);
      });
    });

    describe('JWT attacks get 401 problem+json with a WWW-Authenticate challenge', () => {
      const ADMIN_ROUTE = '/api/v1/admin/users';
      let customer: TokenPair;

      beforeAll(async () => {
        customer = await login(api, tokens.accounts.CUSTOMER);
      });

      it('a real customer token works, so the refusals below are about the forgeries', async () => {
        expect((await api.get('/api/v1/users/me', customer.accessToken)).status).toBe(200);
        expect((await api.get(ADMIN_ROUTE, customer.accessToken)).status).toBe(403);
      });

      it('refuses no token, a non-Bearer scheme and a malformed token', async () => {
        expectUnauthorized(await api.get(ADMIN_ROUTE), /^UNAUTHENTICATED$/);
        expectUnauthorized(await api.call('GET', ADMIN_ROUTE, { headers: { authorization: `Basic ${b64('admin:admin')}` } }), /^UNAUTHENTICATED$/);
        expectUnauthorized(await api.get(ADMIN_ROUTE, 'not-a-jwt'));
        expectUnauthorized(await api.get(ADMIN_ROUTE, `${customer.accessToken}x`));
      });

      it('refuses alg "none" (unsigned) with the real claims raised to ADMIN, with and without the original signature', async () => {
        const { header, payload, signature } = parts(customer.accessToken);
        const admin = { ...payload, roles: ['ADMIN'] };
        for (const alg of ['none', 'None', 'NONE']) {
          const h = b64({ ...header, alg });
          expectUnauthorized(await api.get(ADMIN_ROUTE, `${h}.${b64(admin)}.`));
          expectUnauthorized(await api.get(ADMIN_ROUTE, `${h}.${b64(admin)}.${signature}`));
        }
      });

      it('refuses HS256 tokens signed with the published public key (key confusion), in every encoding of the key', async () => {
        const jwks = (await api.get<{ keys: JWK[] }>('/api/v1/auth/jwks')).body;
        const { header, payload } = parts(customer.accessToken);
        const jwk = jwks.keys.find((k) => k.kid === header['kid'])!;
        expect(jwk).toBeDefined();
        const spki = createPublicKey({ key: jwk as never, format: 'jwk' });
        const secrets: Array<Buffer | string> = [
          JSON.stringify(jwk),
          jwk.x!,
          Buffer.from(jwk.x!, 'base64url'),
          spki.export({ type: 'spki', format: 'pem' }) as string,
          spki.export({ type: 'spki', format: 'der' }),
        ];
        for (const secret of secrets) {
          expectUnauthorized(await api.get(ADMIN_ROUTE, hs256({ ...header, alg: 'HS256' }, { ...payload, roles: ['ADMIN'] }, secret)));
        }
      });

      it('refuses a tampered payload under the original signature: roles raised, lifetime extended, subject swapped', async () => {
        const longer = (p: Record<string, unknown>) => ({ ...p, exp: Number(p['exp']) + 365 * 24 * 3600 });
        for (const change of [(p: Record<string, unknown>) => ({ ...p, roles: ['ADMIN'] }), longer, (p: Record<string, unknown>) => ({ ...p, sub: tokens.accounts.ADMIN.id })]) {
          expectUnauthorized(await api.get(ADMIN_ROUTE, withPayload(customer.accessToken, change)));
          expectUnauthorized(await api.get('/api/v1/users/me', withPayload(customer.accessToken, change)));
        }
      });

      it('refuses a refresh token presented as an access token', async () => {
        expectUnauthorized(await api.get('/api/v1/users/me', customer.refreshToken));
      });

      it('refuses a token that names a published kid but is signed by another key (bad signature)', async () => {
        const { header, payload } = parts(customer.accessToken);
        expectUnauthorized(await api.get(ADMIN_ROUTE, await signWithOwnKey(payload, { kid: String(header['kid']) })));
      });

      // Sent together: an unknown kid makes the gateway refetch its key set, at most once per 5 s, and these share that one refetch.
      it('refuses EdDSA tokens signed by keys the issuer never published: an unknown kid; not valid yet (nbf an hour ahead: it fails on its key here, nbf itself is pinned in token-verifier.spec.ts); one of another deployment (own issuer, audience and keys), in both directions', async () => {
        const { payload } = parts(customer.accessToken);
        const stranger = await register(shortApi, 'stranger');
        const theirs = await login(shortApi, stranger);
        expect((await shortApi.get('/api/v1/users/me', theirs.accessToken)).status).toBe(200);
        const [unknownKid, notYetValid, otherDeployment, reverse] = await Promise.all([
          api.get(ADMIN_ROUTE, await signWithOwnKey(payload, { kid: randomUUID() })),
          api.get('/api/v1/users/me', await signWithOwnKey(payload, { kid: randomUUID() }, { nbf: Math.floor(Date.now() / 1000) + 3600 })),
          api.get('/api/v1/users/me', theirs.accessToken),
          shortApi.get('/api/v1/users/me', customer.accessToken),
        ]);
        for (const res of [unknownKid, notYetValid, otherDeployment, reverse]) expectUnauthorized(res, /^AUTH\.TOKEN_INVALID$/);
      });

      it('refuses a real token at a gateway expecting another issuer, and at one expecting another audience (the kid is known there: only iss/aud differ)', async () => {
        const [otherIssuer, otherAudience, sameSettings] = await Promise.all([main.startGateway({ AUTH_ISSUER: 'someone-else' }), main.startGateway({ AUTH_AUDIENCE: 'another-api' }), main.startGateway({})]);
        expect((await api.get('/api/v1/users/me', customer.accessToken)).status).toBe(200);
        expectUnauthorized(await new Api(otherIssuer).get('/api/v1/users/me', customer.accessToken));
        expectUnauthorized(await new Api(otherAudience).get('/api/v1/users/me', customer.accessToken));
        // The same gateway code with the right settings accepts it: the refusals above are the iss and aud checks.
        expect((await new Api(sameSettings).get('/api/v1/users/me', customer.accessToken)).status).toBe(200);
      }, 90_000);

      describe('short-lived tokens (2 s, 1 s tolerance)', () => {
        // Both sessions start together, so the expiry test needs no second wait.
        let expiring: TokenPair;
        let acceptedWhileAlive: number;
        let disabledUser: Account;
        let disabledSession: TokenPair;

        beforeAll(async () => {
          [expiring, [disabledUser, disabledSession]] = await Promise.all([
            register(shortApi, 'expiring').then((u) => login(shortApi, u)),
            register(shortApi, 'disabled').then(async (u) => [u, await login(shortApi, u)] as const),
          ]);
          acceptedWhileAlive = (await shortApi.get('/api/v1/users/me', expiring.accessToken)).status;
        });

        it('a disabled account: refresh and login fail at once, and its access token is refused once its short lifetime is over', async () => {
          const admin = await login(shortApi, ADMIN);
          expect((await shortApi.get('/api/v1/users/me', disabledSession.accessToken)).status).toBe(200);
          const disabled = await shortApi.post<UserView>(`/api/v1/admin/users/${disabledUser.id}/disable`, {}, admin.accessToken);
          expect(disabled.body.status).toBe('DISABLED');
          expectUnauthorized(await shortApi.post('/api/v1/auth/refresh', { refreshToken: disabledSession.refreshToken }), /^AUTH\.REFRESH_INVALID$/);
          expect((await shortApi.post('/api/v1/auth/login', { email: disabledUser.email, password: disabledUser.password })).body).toMatchObject({ status: 403, code: 'AUTH.ACCOUNT_DISABLED' });
          await waitPastExpiry(disabledSession.accessToken, SHORT_TOLERANCE_SECONDS);
          expectUnauthorized(await shortApi.get('/api/v1/users/me', disabledSession.accessToken), /^AUTH\.TOKEN_INVALID$/);
        });

        it('refuses an expired token (past its 2 s lifetime and the 1 s tolerance), which it accepted before', async () => {
          // Accepted while alive: the refusal below is the expiry.
          expect(acceptedWhileAlive).toBe(200);
          await waitPastExpiry(expiring.accessToken, SHORT_TOLERANCE_SECONDS);
          const res = await shortApi.get<{ detail: string }>('/api/v1/users/me', expiring.accessToken);
          expectUnauthorized(res, /^AUTH\.TOKEN_INVALID$/);
          expect(res.body.detail).toMatch(/expired/);
        });
      });
    });

    describe('refresh tokens', () => {
      const refresh = (token: string) => api.post<TokenPair & { code?: string }>('/api/v1/auth/refresh', { refreshToken: token });

      it('rotate on every use; reusing a rotated token is refused and revokes the family, so the newest token dies too', async () => {
        const user = await register(api, 'rotating');
        const first = await login(api, user);
        const second = await refresh(first.refreshToken);
        expect(second.status).toBe(200);
        expect(second.body.refreshToken).not.toBe(first.refreshToken);
        expect((await api.get('/api/v1/users/me', second.body.accessToken)).status).toBe(200);
        const third = await refresh(second.body.refreshToken);
        expect(third.status).toBe(200);
        expect(new Set([first.refreshToken, second.body.refreshToken, third.body.refreshToken]).size).toBe(3);

        expectUnauthorized(await refresh(first.refreshToken), /^AUTH\.REFRESH_REUSED$/);
        expectUnauthorized(await refresh(third.body.refreshToken), /^AUTH\.REFRESH_INVALID$/);
        // Another login (another family) is untouched.
        const other = await login(api, user);
        expect((await refresh(other.refreshToken)).status).toBe(200);
      });

      it('logout revokes the family: its refresh token fails afterwards, another session does not', async () => {
        const user = await register(api, 'logout');
        const session = await login(api, user);
        const otherSession = await login(api, user);
        expect((await api.post('/api/v1/auth/logout', { refreshToken: session.refreshToken })).body).toEqual({ revoked: true });
        expectUnauthorized(await refresh(session.refreshToken), /^AUTH\.REFRESH_(INVALID|REUSED)$/);
        expect((await refresh(otherSession.refreshToken)).status).toBe(200);
      });

      it('of 10 concurrent refreshes with the same token exactly one succeeds', async () => {
        const user = await register(api, 'parallel');
        const session = await login(api, user);
        const results = await Promise.all(Array.from({ length: 10 }, () => refresh(session.refreshToken)));
        const statuses = results.map((r) => r.status).sort();
        expect(statuses).toEqual([200, ...Array(9).fill(401)]);
        for (const r of results.filter((x) => x.status === 401)) expect(r.body.code).toMatch(/^AUTH\.REFRESH_(INVALID|REUSED)$/);
      });
    });

    describe('mass assignment', () => {
      it.each([
        ['role', { role: 'ADMIN' }],
        ['roles', { roles: ['ADMIN'] }],
        ['emailVerified and status', { emailVerified: true, status: 'ACTIVE' }],
      ])('register with %s is refused with 400 and creates no account', async (_label, extra) => {
        const email = freshEmail('mass');
        const password = strongPassword();
        const res = await api.post<{ code: string; detail: string }>('/api/v1/auth/register', { email, password, displayName: 'Mallory', ...extra });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(res.body.detail).toMatch(new RegExp(Object.keys(extra)[0]!));
        expect((await api.post('/api/v1/auth/login', { email, password })).status).toBe(401);
        const listed = await api.get<UserPage>(`/api/v1/admin/users?email=${encodeURIComponent(email)}`, tokens.ADMIN);
        expect(listed.body.total).toBe(0);
        const admins = await api.get<UserPage>('/api/v1/admin/users?role=ADMIN&pageSize=100', tokens.ADMIN);
        expect(admins.body.items.map((u) => u.email)).toEqual([ADMIN.email]);
      });

      it.each([
        ['roles', { roles: ['ADMIN'] }],
        ['email', { email: 'someone.else@security.test' }],
        ['emailVerified', { emailVerified: true }],
        ['a display name together with roles', { displayName: 'Renamed', roles: ['ADMIN', 'SELLER'] }],
      ])('PATCH users/me with %s is refused with 400 and changes nothing', async (_label, body) => {
        const user = await register(api, 'patcher');
        const { accessToken } = await login(api, user);
        const before = (await api.get<UserView>('/api/v1/users/me', accessToken)).body;
        const res = await api.call<{ code: string }>('PATCH', '/api/v1/users/me', { token: accessToken, body });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        const after = (await api.get<UserView>('/api/v1/users/me', accessToken)).body;
        expect(after).toEqual(before);
        expect(after).toMatchObject({ roles: ['CUSTOMER'], emailVerified: false, email: user.email });
        // The roles did not change behind the view either: the admin routes still refuse this user.
        expect((await api.get('/api/v1/admin/users', (await login(api, user)).accessToken)).status).toBe(403);
      });

      it('PATCH users/me with only a display name works (the refusals above are about the extra fields)', async () => {
        const user = await register(api, 'renamer');
        const { accessToken } = await login(api, user);
        const res = await api.call<UserView>('PATCH', '/api/v1/users/me', { token: accessToken, body: { displayName: 'Renamed Properly' } });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ displayName: 'Renamed Properly', roles: ['CUSTOMER'] });
      });
    });

    describe('BOLA: nobody reads or writes what is not theirs', () => {
      let victim: Account;
      let otherSeller: Account;
      let callers: Array<[string, string, Account]>;

      beforeAll(async () => {
        victim = await register(api, 'victim');
        otherSeller = await register(api, 'seller2');
        await api.call('PUT', `/api/v1/admin/users/${otherSeller.id}/roles`, { token: tokens.ADMIN, body: { roles: ['SELLER'] } });
        callers = [
          ['customer', tokens.CUSTOMER, tokens.accounts.CUSTOMER],
          ['seller', tokens.SELLER, tokens.accounts.SELLER],
        ];
      });

      it("a customer and a seller cannot list, promote, disable or enable another user, and the victim's account is unchanged", async () => {
        for (const [who, token] of callers) {
          for (const [method, path, body] of [
            ['GET', `/api/v1/admin/users?email=${encodeURIComponent(victim.email)}`, undefined],
            ['PUT', `/api/v1/admin/users/${victim.id}/roles`, { roles: ['ADMIN'] }],
            ['PUT', `/api/v1/admin/users/${otherSeller.id}/roles`, { roles: ['CUSTOMER'] }],
            ['POST', `/api/v1/admin/users/${victim.id}/disable`, {}],
            ['POST', `/api/v1/admin/users/${otherSeller.id}/enable`, {}],
            ['POST', '/api/v1/admin/signing-keys/rotate', {}],
          ] as const) {
            const res = await api.call(method, path, { token, body });
            expect({ who, method, path, status: res.status }).toEqual({ who, method, path, status: 403 });
            expect(res.text).not.toContain(victim.email);
          }
        }
        const listed = (await api.get<UserPage>(`/api/v1/admin/users?email=${encodeURIComponent(victim.email)}`, tokens.ADMIN)).body;
        expect(listed.items).toMatchObject([{ id: victim.id, roles: ['CUSTOMER'], status: 'ACTIVE' }]);
        const seller = (await api.get<UserPage>(`/api/v1/admin/users?email=${encodeURIComponent(otherSeller.email)}`, tokens.ADMIN)).body;
        expect(seller.items).toMatchObject([{ id: otherSeller.id, roles: ['SELLER'] }]);
      });

      it('users/me is always the caller; no route reads or writes a user by id (404, never their data)', async () => {
        for (const [who, token, account] of callers) {
          const me = await api.get<UserView>('/api/v1/users/me', token);
          expect({ who, id: me.body.id, email: me.body.email }).toEqual({ who, id: account.id, email: account.email });
          for (const method of ['GET', 'PATCH', 'PUT', 'DELETE'] as const) {
            const res = await api.call(method, `/api/v1/users/${victim.id}`, { token, ...(method === 'GET' || method === 'DELETE' ? {} : { body: { displayName: 'Owned' } }) });
            expect({ who, method, status: res.status }).toEqual({ who, method, status: 404 });
            expect(res.text).not.toContain(victim.email);
          }
          // A query string naming the victim does not change whose account /users/me is.
          const sneaky = await api.get<UserView>(`/api/v1/users/me?id=${victim.id}&userId=${victim.id}`, token);
          expect({ who, status: sneaky.status, id: sneaky.body.id }).toEqual({ who, status: 200, id: account.id });
        }
      });

      it('an RPC that bypasses the gateway with a forged actor and no token gains nothing', async () => {
        if (!main.rpc) return expect.fail('this mode gives the suite no RPC client');
        const rpc = main.rpc;
        const forgedAdmin: Actor = { kind: 'user', userId: tokens.accounts.ADMIN.id, roles: ['ADMIN'] };
        const asVictim: Actor = { kind: 'user', userId: victim.id, roles: ['CUSTOMER'] };
        const opts = (actor: Actor) => ({ token: null, actor, timeoutMs: 10_000 });
        const attempts = {
          list: await rpcError(rpc.send('user.list', {}, opts(forgedAdmin))),
          setRoles: await rpcError(rpc.send('user.setRoles', { userId: victim.id, roles: ['ADMIN'] }, opts(forgedAdmin))),
          disable: await rpcError(rpc.send('user.disable', { userId: victim.id }, opts(forgedAdmin))),
          rotate: await rpcError(rpc.send('user.rotateSigningKey', {}, opts(forgedAdmin))),
          me: await rpcError(rpc.send('user.me', {}, opts(asVictim))),
          updateMe: await rpcError(rpc.send('user.updateMe', { displayName: 'Owned' }, opts(asVictim))),
          changePassword: await rpcError(rpc.send('user.changePassword', { currentPassword: 'x', newPassword: strongPassword() }, opts(asVictim))),
          createProduct: await rpcError(rpc.send('product.create', { name: 'Forged', price: { amount: 1, currency: 'EUR' }, sellerId: otherSeller.id }, opts(forgedAdmin))),
        };
        expect(attempts).toEqual(Object.fromEntries(Object.keys(attempts).map((k) => [k, { code: 'UNAUTHENTICATED' }])));
        const listed = (await api.get<UserPage>(`/api/v1/admin/users?email=${encodeURIComponent(victim.email)}`, tokens.ADMIN)).body;
        expect(listed.items).toMatchObject([{ roles: ['CUSTOMER'], status: 'ACTIVE', displayName: 'victim user' }]);
      });

      it("an RPC with a customer's real token and a forged admin actor acts as the customer, not as the actor it claims", async () => {
        if (!main.rpc) return expect.fail('this mode gives the suite no RPC client');
        const rpc = main.rpc;
        const forged = { token: tokens.CUSTOMER, actor: { kind: 'user', userId: victim.id, roles: ['ADMIN'] } as Actor, timeoutMs: 10_000 };
        expect(await rpcError(rpc.send('user.list', {}, forged))).toEqual({ code: 'FORBIDDEN' });
        expect(await rpcError(rpc.send('user.setRoles', { userId: tokens.accounts.CUSTOMER.id, roles: ['ADMIN'] }, forged))).toEqual({ code: 'FORBIDDEN' });
        expect(await rpcError(rpc.send('product.create', { name: 'Not mine', price: { amount: 1, currency: 'EUR' } }, forged))).toEqual({ code: 'FORBIDDEN' });
        const me = await rpc.send('user.me', {}, forged);
        expect(me.id).toBe(tokens.accounts.CUSTOMER.id);
        // A seller creates products as themself only, whatever seller id the request names.
        const product = await rpc.send('product.create', { name: `Seller Lamp ${randomBytes(3).toString('hex')}`, price: { amount: 999, currency: 'EUR' }, sellerId: otherSeller.id }, { token: tokens.SELLER, timeoutMs: 10_000 });
        expect(product.sellerId).toBe(tokens.accounts.SELLER.id);
        const roles = (await api.get<UserView>('/api/v1/users/me', (await login(api, tokens.accounts.CUSTOMER)).accessToken)).body.roles;
        expect(roles).toEqual(['CUSTOMER']);
      });
    });

    describe('BOLA in the catalog and the cart', () => {
      let owner: Account;
      let ownerToken: string;
      let product: { id: string; sellerId: string | null; price: { amount: number; currency: string } };
      let customerB: Account;
      let customerBToken: string;

      beforeAll(async () => {
        owner = await register(api, 'owner');
        await api.call('PUT', `/api/v1/admin/users/${owner.id}/roles`, { token: tokens.ADMIN, body: { roles: ['SELLER'] } });
        ownerToken = (await login(api, owner)).accessToken;
        const created = await api.post<typeof product>('/api/v1/products', { name: `Owned Lamp ${randomBytes(3).toString('hex')}`, price: { amount: 4200, currency: 'EUR' }, status: 'ACTIVE', stock: 5 }, ownerToken);
        if (created.status !== 201) throw new Error(`create product: ${created.status} ${created.text}`);
        product = created.body;
        customerB = await register(api, 'customerb');
        customerBToken = (await login(api, customerB)).accessToken;
      });

      it("a seller cannot edit, restock or read the stock history of another seller's product, and one created in another seller's name is the caller's own", async () => {
        expect(product.sellerId).toBe(owner.id);
        const intruder = tokens.SELLER;
        const attempts = {
          edit: (await api.call('PATCH', `/api/v1/products/${product.id}`, { token: intruder, body: { price: { amount: 1, currency: 'EUR' } } })).status,
          restock: (await api.post(`/api/v1/products/${product.id}/stock`, { mode: 'set', quantity: 0, reason: 'mine now' }, intruder)).status,
          movements: (await api.get(`/api/v1/products/${product.id}/stock/movements`, intruder)).status,
        };
        expect(attempts).toEqual({ edit: 403, restock: 403, movements: 403 });
        // Naming another seller (a field for admins) creates the product as the caller's own.
        const impostor = await api.post<{ sellerId: string }>('/api/v1/products', { name: `Impostor Lamp ${randomBytes(3).toString('hex')}`, price: { amount: 1, currency: 'EUR' }, sellerId: owner.id }, intruder);
        expect({ status: impostor.status, sellerId: impostor.body.sellerId }).toEqual({ status: 201, sellerId: tokens.accounts.SELLER.id });
        const after = (await api.get<typeof product & { available: number }>(`/api/v1/products/${product.id}`)).body;
        expect(after.price).toEqual({ amount: 4200, currency: 'EUR' });
        // The owner may do what the intruder may not: the refusals above are about ownership.
        expect((await api.get(`/api/v1/products/${product.id}/stock/movements`, ownerToken)).status).toBe(200);
      });

      it("a customer's cart is theirs alone: another customer neither sees nor changes it, and a price in the request is refused", async () => {
        const customerA = tokens.CUSTOMER;
        await api.call('DELETE', '/api/v1/cart', { token: customerA });
        expect((await api.post('/api/v1/cart/items', { productId: product.id, quantity: 1, price: { amount: 1, currency: 'EUR' } }, customerA)).status).toBe(400);
        const added = await api.post<{ lines: Array<{ productId: string; unitPrice?: unknown }> }>('/api/v1/cart/items', { productId: product.id, quantity: 2 }, customerA);
        expect(added.status).toBe(201);
        const theirs = await api.get<{ customerId: string; lines: unknown[] }>('/api/v1/cart', customerBToken);
        expect({ customerId: theirs.body.customerId, lines: theirs.body.lines }).toEqual({ customerId: customerB.id, lines: [] });
        expect((await api.call('DELETE', `/api/v1/cart/items/${product.id}`, { token: customerBToken })).status).toBe(404);
        expect((await api.call('PATCH', `/api/v1/cart/items/${product.id}`, { token: customerBToken, body: { quantity: 0 } })).status).toBe(404);
        const mine = await api.get<{ customerId: string; lines: Array<{ productId: string; quantity: number }> }>('/api/v1/cart', customerA);
        expect(mine.body.customerId).toBe(tokens.accounts.CUSTOMER.id);
        expect(mine.body.lines.map((l) => [l.productId, l.quantity])).toEqual([[product.id, 2]]);
      });

      it('cart and catalog RPCs that bypass the gateway act for the token, never for the actor they claim', async () => {
        if (!main.rpc) return expect.fail('this mode gives the suite no RPC client');
        const rpc = main.rpc;
        const asA: Actor = { kind: 'user', userId: tokens.accounts.CUSTOMER.id, roles: ['CUSTOMER'] };
        const asOwner: Actor = { kind: 'user', userId: owner.id, roles: ['SELLER'] };
        expect(await rpcError(rpc.send('cart.get', {}, { token: null, actor: asA, timeoutMs: 10_000 }))).toEqual({ code: 'UNAUTHENTICATED' });
        expect(await rpcError(rpc.send('cart.clear', {}, { token: null, actor: asA, timeoutMs: 10_000 }))).toEqual({ code: 'UNAUTHENTICATED' });
        expect(await rpcError(rpc.send('product.update', { productId: product.id, price: { amount: 1, currency: 'EUR' } }, { token: null, actor: asOwner, timeoutMs: 10_000 }))).toEqual({ code: 'UNAUTHENTICATED' });
        expect(await rpcError(rpc.send('product.update', { productId: product.id, price: { amount: 1, currency: 'EUR' } }, { token: tokens.SELLER, actor: asOwner, timeoutMs: 10_000 }))).toEqual({ code: 'FORBIDDEN' });
        const cartOfB = await rpc.send('cart.get', {}, { token: customerBToken, actor: asA, timeoutMs: 10_000 });
        expect(cartOfB.customerId).toBe(customerB.id);
        expect(cartOfB.lines).toEqual([]);
        expect((await api.get<{ price: unknown }>(`/api/v1/products/${product.id}`)).body.price).toEqual({ amount: 4200, currency: 'EUR' });
      });
    });

    describe('login throttling', () => {
      const attempt = (target: Api, email: string, password: string) => target.post<{ code?: string }>('/api/v1/auth/login', { email, password });

      function expectRateLimited(res: Reply<{ code?: string }>): number {
        expect({ status: res.status, contentType: res.headers.get('content-type'), code: res.body.code }).toEqual({ status: 429, contentType: expect.stringMatching(/^application\/problem\+json/), code: 'RATE_LIMITED' });
        const retryAfter = Number(res.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(AUTH_WINDOW_MS / 1000);
        return retryAfter;
      }

      it(`per account: after ${LIMIT_PER_ACCOUNT} attempts in the window even the right password gets 429, another account does not, and it recovers after Retry-After`, async () => {
        const [target, other] = [await register(shortApi, 'guessed'), await register(shortApi, 'bystander')];
        await sleep(AUTH_WINDOW_MS + 200);
        for (let i = 0; i < LIMIT_PER_ACCOUNT; i++) expect((await attempt(shortApi, target.email, 'wrong-password-guess')).status).toBe(401);
        const retryAfter = expectRateLimited(await attempt(shortApi, target.email, target.password));
        expect((await attempt(shortApi, other.email, other.password)).status).toBe(200);
        await sleep(retryAfter * 1000 + 300);
        expect((await attempt(shortApi, target.email, target.password)).status).toBe(200);
      });

      it(`per IP: after ${LIMIT_PER_IP} logins in the window from one address the next gets 429 whatever the account, and it recovers`, async () => {
        const account = await register(shortApi, 'iplimited');
        await sleep(AUTH_WINDOW_MS + 200);
        for (let i = 0; i < LIMIT_PER_IP; i++) expect((await attempt(shortApi, freshEmail('spray'), 'wrong-password-guess')).status).toBe(401);
        const retryAfter = expectRateLimited(await attempt(shortApi, account.email, account.password));
        await sleep(retryAfter * 1000 + 300);
        expect((await attempt(shortApi, account.email, account.password)).status).toBe(200);
      });

      if (options.sharedRateLimitRedisUrl) {
        it('two gateway replicas share the limits through Redis: attempts alternated between them hit the limit together, another namespace does not, and both recover', async () => {
          const [secondUrl, elsewhereUrl] = await Promise.all([short.startGateway({}), short.startGateway({ SHOP_NAMESPACE: `elsewhere${randomBytes(4).toString('hex')}`, RPC_TIMEOUT_MS: '300' })]);
          const second = new Api(secondUrl);
          const gateways = [shortApi, second];
          const target = await register(shortApi, 'replicated');
          await sleep(AUTH_WINDOW_MS + 200);
          for (let i = 0; i < LIMIT_PER_ACCOUNT; i++) expect((await attempt(gateways[i % 2]!, target.email, 'wrong-password-guess')).status).toBe(401);
          expectRateLimited(await attempt(gateways[LIMIT_PER_ACCOUNT % 2]!, target.email, target.password));
          await sleep(AUTH_WINDOW_MS + 300);
          for (let i = 0; i < LIMIT_PER_IP; i++) expect((await attempt(gateways[i % 2]!, freshEmail('spray'), 'wrong-password-guess')).status).toBe(401);
          const retryAfter = expectRateLimited(await attempt(gateways[LIMIT_PER_IP % 2]!, target.email, target.password));
          // A gateway of another namespace on the same Redis has counters of its own: it lets the attempt through
          // (to a user service it cannot reach in that namespace: 504 after its 300 ms RPC timeout).
          expect((await attempt(new Api(elsewhereUrl), target.email, target.password)).status).toBe(504);
          await sleep(retryAfter * 1000 + 300);
          expect((await attempt(second, target.email, target.password)).status).toBe(200);
          expect((await attempt(shortApi, target.email, target.password)).status).toBe(200);
        }, 60_000);
      }
    });

    describe('secrets stay secret', () => {
      it('no password hash, refresh token or password appears in any response (but the one issuing it) or any log line', async () => {
        const scenario = new Api(main.gatewayUrl);
        const user = await register(scenario, 'leaky');
        const newPassword = strongPassword();
        const issued: Array<{ token: string; response: number }> = [];
        const keep = (pair: TokenPair) => issued.push({ token: pair.refreshToken, response: scenario.responses.length - 1 });

        keep(await login(scenario, user));
        const refreshed = await scenario.post<TokenPair>('/api/v1/auth/refresh', { refreshToken: issued[0]!.token });
        keep(refreshed.body);
        await scenario.get('/api/v1/users/me', refreshed.body.accessToken);
        await scenario.call('PATCH', '/api/v1/users/me', { token: refreshed.body.accessToken, body: { displayName: 'Leaky Renamed' } });
        await scenario.call('PATCH', '/api/v1/users/me', { token: refreshed.body.accessToken, body: { passwordHash: 'x' } });
        await scenario.post('/api/v1/users/me/password', { currentPassword: 'not-my-password', newPassword }, refreshed.body.accessToken);
        const changed = await scenario.post<TokenPair>('/api/v1/users/me/password', { currentPassword: user.password, newPassword }, refreshed.body.accessToken);
        expect(changed.status).toBe(200);
        keep(changed.body);
        for (const password of [user.password, 'wrong-password-guess', newPassword.toUpperCase()]) {
          expect((await scenario.post('/api/v1/auth/login', { email: user.email, password })).status).toBe(401);
        }
        await scenario.post('/api/v1/auth/login', { email: freshEmail('nobody'), password: 'wrong-password-guess' });
        await scenario.post('/api/v1/auth/refresh', { refreshToken: issued[0]!.token });
        await scenario.post('/api/v1/auth/refresh', { refreshToken: `${issued[0]!.token.split('.')[0]}.forged-secret` });
        keep(await login(scenario, { email: user.email, password: newPassword }));
        await scenario.get(`/api/v1/admin/users?email=${encodeURIComponent(user.email)}`, tokens.ADMIN);
        await scenario.get('/api/v1/admin/users?pageSize=100', tokens.ADMIN);
        await scenario.post('/api/v1/auth/logout', { refreshToken: issued[3]!.token });
        await sleep(500);

        const logs = main.logs();
        // The capture works: the user service's boot line is in it.
        expect(logs).toMatch(new RegExp(`created the first admin ${ADMIN.email.replace('.', '\\.')}`));
        const leaks: string[] = [];
        scenario.responses.forEach((text, i) => {
          if (/\$argon2/i.test(text)) leaks.push(`response ${i} holds an argon2 hash`);
          for (const { token, response } of issued) {
            if (i !== response && text.includes(token.split('.')[1]!)) leaks.push(`response ${i} holds the refresh token issued in response ${response}`);
          }
          for (const p of [user.password, newPassword]) if (text.includes(p)) leaks.push(`response ${i} holds a password`);
        });
        if (/\$argon2/i.test(logs)) leaks.push('the logs hold an argon2 hash');
        for (const { token } of issued) if (logs.includes(token.split('.')[1]!)) leaks.push(`the logs hold the refresh token ${token.slice(0, 8)}...`);
        for (const p of [user.password, newPassword, 'wrong-password-guess']) if (logs.includes(p)) leaks.push('the logs hold a password');
        expect(leaks).toEqual([]);
        expect(issued).toHaveLength(4);
        expect(scenario.responses.length).toBeGreaterThanOrEqual(15);
      });
    });

    describe('password policy and password change', () => {
      it.each([
        ['too short', () => 'Sh0rt!x', /at least 10 characters/],
        ['containing the e-mail', (email: string) => `${email.split('@')[0]}-9Q!`, /e-mail/],
        ['from the common-passwords list', () => 'qwertyuiop', /common/],
        ['a common word with digits', () => 'password1234', /common|too easy to guess/],
        ['a trivial pattern', () => 'aaaaaaaaaaaa', /too easy to guess/],
      ])('register with a password %s is refused with USER.PASSWORD_POLICY and says why', async (_label, password, reason) => {
        const email = freshEmail('policy');
        const res = await api.post<{ code: string; detail: string }>('/api/v1/auth/register', { email, password: password(email), displayName: 'Policy' });
        expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'USER.PASSWORD_POLICY' });
        expect(res.body.detail).toMatch(reason);
        expect((await api.post('/api/v1/auth/login', { email, password: password(email) })).status).toBe(401);
      });

      it('a password change needs the current password, obeys the policy, and revokes every other session', async () => {
        const user = await register(api, 'changer');
        const older = await login(api, user);
        const current = await login(api, user);
        const newPassword = strongPassword();
        const change = (body: unknown) => api.post<TokenPair & { code: string }>('/api/v1/users/me/password', body, current.accessToken);

        expect((await change({ currentPassword: 'wrong-current-password', newPassword })).body).toMatchObject({ status: 403, code: 'USER.WRONG_PASSWORD' });
        expect((await change({ newPassword })).status).toBe(400);
        expect((await change({ currentPassword: user.password, newPassword: 'password1234' })).body).toMatchObject({ status: 400, code: 'USER.PASSWORD_POLICY' });
        // Nothing changed so far: the old password and the older session still work.
        expect((await api.post('/api/v1/auth/login', { email: user.email, password: user.password })).status).toBe(200);

        const changed = await change({ currentPassword: user.password, newPassword });
        expect(changed.status).toBe(200);
        expectUnauthorized(await api.post('/api/v1/auth/refresh', { refreshToken: older.refreshToken }), /^AUTH\.REFRESH_INVALID$/);
        expectUnauthorized(await api.post('/api/v1/auth/refresh', { refreshToken: current.refreshToken }), /^AUTH\.REFRESH_INVALID$/);
        expect((await api.post('/api/v1/auth/refresh', { refreshToken: changed.body.refreshToken })).status).toBe(200);
        expect((await api.post('/api/v1/auth/login', { email: user.email, password: user.password })).status).toBe(401);
        expect((await api.post('/api/v1/auth/login', { email: user.email, password: newPassword })).status).toBe(200);
      });
    });

    describe('signing-key rotation', () => {
      it('after a rotation, tokens issued before still verify, new tokens carry the new kid and are accepted even right after the gateway refetched its key set, and the JWKS lists both', async () => {
        const before = await login(api, tokens.accounts.CUSTOMER);
        const oldKid = String(decodeProtectedHeader(before.accessToken).kid);
        // The gateway has just refetched its key set (an unknown kid makes it do so): rotation must not depend on its timing.
        const { payload } = parts(before.accessToken);
        expectUnauthorized(await api.get('/api/v1/users/me', await signWithOwnKey(payload, { kid: randomUUID() })));

        const rotated = await api.post<{ kid: string }>('/api/v1/admin/signing-keys/rotate', {}, tokens.ADMIN);
        expect(rotated.status).toBe(200);
        const newKid = rotated.body.kid;
        expect(newKid).not.toBe(oldKid);

        const after = await login(api, tokens.accounts.CUSTOMER);
        expect(decodeProtectedHeader(after.accessToken).kid).toBe(newKid);
        expect((await api.get('/api/v1/users/me', after.accessToken)).status).toBe(200);
        expect((await api.get('/api/v1/users/me', before.accessToken)).status).toBe(200);
        expect((await api.get('/api/v1/admin/users', tokens.ADMIN)).status).toBe(200);
        const refreshed = await api.post<TokenPair>('/api/v1/auth/refresh', { refreshToken: before.refreshToken });
        expect(decodeProtectedHeader(refreshed.body.accessToken).kid).toBe(newKid);

        for (const path of ['/api/v1/auth/jwks', '/.well-known/jwks.json']) {
          const kids = (await api.get<{ keys: JWK[] }>(path)).body.keys.map((k) => k.kid);
          expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));
        }
      });
    });
  });
}
