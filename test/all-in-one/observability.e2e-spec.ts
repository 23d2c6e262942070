import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OtlpReceiver, OtlpSpanKind, eventually, jsonLines, startOtlpReceiver } from '@shop/testing';
import { type Platform, startPlatform } from '../../apps/all-in-one/src/platform.js';

const ADMIN = { email: 'admin@logs.test', password: 'copper-kestrel-passphrase-5' };
/** Looks like a JWT, so the logger's text scrubbing is exercised too. */
const FORGED_BEARER = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJmb3JnZWQtdXNlciJ9.c2lnbmF0dXJlLW5vdC12YWxpZA';

/**
 * The all-in-one platform at the `verbose` level, where the access log also
 * carries each request's headers and body: what it writes must hold no
 * password and no token, every response must carry X-Correlation-Id (errors
 * included), and the in-process transport must carry the trace context.
 */
describe('all-in-one: JSON logs without secrets, X-Correlation-Id on every response, traces over the in-process transport', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'shop-obs-'));
  let output = '';
  let platform: Platform;
  let otlp: OtlpReceiver;
  const lines = () => jsonLines(output);

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    platform = await startPlatform(
      { DB_SQLITE_DIR: dataDir, SEED_DEMO_PRODUCTS: '0', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'verbose', OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '50' },
      { freePorts: true, logDestination: { write: (line: string) => void (output += line) } },
    );
  });

  afterAll(async () => {
    await platform?.close();
    await otlp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a login with a password and a bearer token logs neither, while its request is logged with service, instance, level, correlation and trace ids', async () => {
    const correlationId = `login-${Date.now()}`;
    const res = await fetch(`${platform.gatewayUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${FORGED_BEARER}`, 'x-correlation-id': correlationId },
      body: JSON.stringify(ADMIN),
    });
    // Any bearer token is checked, on public routes too: a forged one is refused.
    expect(res.status).toBe(401);
    const login = await fetch(`${platform.gatewayUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-correlation-id': `${correlationId}-ok` }, body: JSON.stringify(ADMIN) });
    expect(login.status).toBe(200);
    const { accessToken, refreshToken } = (await login.json()) as { accessToken: string; refreshToken: string };
    const me = await fetch(`${platform.gatewayUrl}/api/v1/users/me`, { headers: { authorization: `Bearer ${accessToken}`, 'x-correlation-id': `${correlationId}-me` } });
    expect(me.status).toBe(200);
    const refreshed = await fetch(`${platform.gatewayUrl}/api/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
    expect(refreshed.status).toBe(200);

    const detail = await eventually(() => lines().find((l) => l['correlationId'] === correlationId && l['msg'] === 'request detail'), { what: 'the login request logged in detail' });
    // The request was logged, with its body and headers, minus the secrets.
    expect(detail).toMatchObject({ service: 'gateway', instance: expect.any(String), level: 'trace', traceId: expect.stringMatching(/^[0-9a-f]{32}$/), status: 401 });
    expect(detail['body']).toEqual({ email: ADMIN.email, password: '[REDACTED]' });
    expect((detail['headers'] as Record<string, unknown>)['authorization']).toBe('[REDACTED]');
    const ok = await eventually(() => lines().find((l) => l['correlationId'] === `${correlationId}-ok` && l['msg'] === 'request detail'), { what: 'the login request logged in detail' });
    expect(ok).toMatchObject({ status: 200, body: { email: ADMIN.email, password: '[REDACTED]' } });
    // The user service logged its part under the same correlation id and trace.
    const inUser = lines().filter((l) => l['service'] === 'user' && l['correlationId'] === `${correlationId}-ok`);
    expect(inUser.map((l) => l['msg'])).toContain('rpc handled');
    expect(inUser.every((l) => l['traceId'] === ok['traceId'])).toBe(true);
    await eventually(() => lines().some((l) => l['correlationId'] === `${correlationId}-me`), { what: 'the /users/me request logged' });
    for (const secret of [ADMIN.password, FORGED_BEARER, accessToken, refreshToken]) expect(output).not.toContain(secret);
  });

  it('answers X-Correlation-Id on a 404 and a 401, the caller\'s when it is sane and a new one otherwise', async () => {
    const notFound = await fetch(`${platform.gatewayUrl}/api/v1/no-such-route`, { headers: { 'x-correlation-id': 'trace-me-404' } });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('x-correlation-id')).toBe('trace-me-404');

    const unauthorized = await fetch(`${platform.gatewayUrl}/api/v1/cart`, { headers: { 'x-correlation-id': 'trace-me-401' } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('x-correlation-id')).toBe('trace-me-401');
    expect(await unauthorized.json()).toMatchObject({ code: 'UNAUTHENTICATED', correlationId: 'trace-me-401' });

    for (const insane of ['has spaces in it', 'x'.repeat(129), 'semi;colon', '<script>']) {
      const res = await fetch(`${platform.gatewayUrl}/api/v1/no-such-route`, { headers: { 'x-correlation-id': insane } });
      expect(res.status).toBe(404);
      const given = res.headers.get('x-correlation-id');
      expect(given).toMatch(/^[0-9a-f-]{36}$/);
      expect(given).not.toBe(insane);
    }
    const none = await fetch(`${platform.gatewayUrl}/api/v1/no-such-route`);
    expect(none.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    // The 404 and the 401 are in the access log under their correlation ids.
    await eventually(() => ['trace-me-404', 'trace-me-401'].every((id) => lines().some((l) => l['correlationId'] === id && l['msg'] === 'request completed')), { what: 'the 404 and 401 logged' });
  });

  it('one trace across the in-process transport: gateway HTTP -> gateway RPC client -> user RPC server', async () => {
    const correlationId = `traced-${Date.now()}`;
    const res = await fetch(`${platform.gatewayUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId }, body: JSON.stringify(ADMIN) });
    expect(res.status).toBe(200);
    const spans = await eventually(
      () => {
        const http = otlp.spans().find((s) => s.kind === OtlpSpanKind.SERVER && s.attributes['shop.correlation_id'] === correlationId && s.scope === 'gateway');
        const all = http ? otlp.spans().filter((s) => s.traceId === http.traceId) : [];
        return all.some((s) => s.scope === 'user' && s.kind === OtlpSpanKind.SERVER) ? { http: http!, all } : undefined;
      },
      { what: 'the login trace' },
    );
    expect(spans.http).toMatchObject({ service: 'all-in-one', name: 'POST /api/v1/auth/login' });
    const client = spans.all.find((s) => s.scope === 'gateway' && s.kind === OtlpSpanKind.CLIENT && s.name === 'user.login send');
    expect(client?.parentSpanId).toBe(spans.http.spanId);
    const server = spans.all.find((s) => s.scope === 'user' && s.kind === OtlpSpanKind.SERVER && s.name === 'user.login process');
    expect(server).toMatchObject({ parentSpanId: client!.spanId, attributes: expect.objectContaining({ 'rpc.system': 'in-process' }) });
  });
});
