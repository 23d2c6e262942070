import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { type Platform, startPlatform } from '../../apps/all-in-one/src/platform.js';
import { fastifyRoutes, nestRoutes } from './served-routes.js';
import { NON_NEST_ROUTES, ROUTE_MATRIX, classify, expectedOutcome, probeRouteMatrix } from './route-matrix.js';
import { Api, MAIN_ENV, roleTokens, waitUntilServing } from './security-suite.js';

/**
 * Fails the build when a gateway route is unguarded or missing from the
 * expected matrix (test/security/route-matrix.ts), or the matrix names a route
 * that is not served; then proves the matrix over HTTP.
 */

describe('the gateway route matrix', () => {
  let platform: Platform;
  let dataDir: string;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shop-routes-'));
    platform = await startPlatform({ DB_SQLITE_DIR: dataDir, SEED_DEMO_PRODUCTS: '0', ...MAIN_ENV }, { freePorts: true, logger: false });
    app = platform.services.find((s) => s.name === 'gateway')!.app;
    await waitUntilServing(platform.gatewayUrl);
  });

  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every route has an access rule (@Public, @SignedIn or @Roles)', () => {
    const unguarded = nestRoutes(app).filter((r) => r.access === 'NO RULE');
    expect(unguarded).toEqual([]);
  });

  it('the routes Nest serves are exactly the routes of the matrix, each with the access the matrix expects', () => {
    const served = Object.fromEntries(nestRoutes(app).map((r) => [r.route, r.access === 'NO RULE' ? r.access : r.access === 'public' ? 'public' : [...r.access].sort()]));
    const expected = Object.fromEntries(Object.entries(ROUTE_MATRIX).map(([route, access]) => [route, access === 'public' ? 'public' : [...access].sort()]));
    expect(served).toEqual(expected);
    expect(nestRoutes(app).length).toBe(Object.keys(ROUTE_MATRIX).length); // no route declared twice
  });

  it('Fastify serves nothing beside the Nest routes but the listed exceptions (a route outside Nest would skip every guard)', () => {
    // Fastify prints the parameters at one place of the tree as one node (`:idOrSlug|:id`): compare shapes, not names.
    const shape = (route: string) => route.replace(/\/:[^/]+/g, '/:');
    const nest = new Set(nestRoutes(app).map((r) => shape(r.route)));
    const served = fastifyRoutes(app).map(shape);
    expect(served.length).toBeGreaterThanOrEqual(nest.size);
    expect(served.filter((r) => !nest.has(r)).sort()).toEqual(Object.keys(NON_NEST_ROUTES).map(shape).sort());
    expect([...nest].filter((r) => !served.includes(r))).toEqual([]);
  });

  it('over HTTP: every non-public route answers 401 without a token and 403 to each role it does not allow, and lets the allowed roles through', async () => {
    const api = new Api(platform.gatewayUrl);
    const tokens = await roleTokens(api);
    const outcomes = await probeRouteMatrix(platform.gatewayUrl, tokens, randomUUID());
    const wrong = outcomes.filter((o) => classify(o) !== expectedOutcome(o.route, o.as)).map((o) => ({ ...o, expected: expectedOutcome(o.route, o.as) }));
    expect(wrong).toEqual([]);
    const nonPublic = Object.values(ROUTE_MATRIX).filter((a) => a !== 'public').length;
    expect(outcomes.filter((o) => o.as === 'anonymous')).toHaveLength(nonPublic);
  });

  it('over HTTP: every public route answers without a token (no 401 or 403)', async () => {
    const refused: string[] = [];
    for (const [route, access] of Object.entries(ROUTE_MATRIX)) {
      if (access !== 'public') continue;
      const [method, pattern] = route.split(' ') as [string, string];
      const res = await fetch(`${platform.gatewayUrl}${pattern.replace(/:[A-Za-z]+/g, 'x')}`, { method, ...(method === 'GET' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' }) });
      await res.arrayBuffer();
      if (res.status === 401 || res.status === 403) refused.push(`${route}: ${res.status}`);
    }
    expect(refused).toEqual([]);
  });
});
