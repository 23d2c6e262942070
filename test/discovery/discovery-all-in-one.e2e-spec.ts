import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstanceView } from '@shop/discovery-client';
import { eventually } from '@shop/testing';
import { type Platform, startPlatform } from '../../apps/all-in-one/src/platform.js';

const ADMIN = { email: 'admin@discovery.test', password: 'copper-meadow-lantern-42' };
const RPC_TIMEOUT_MS = 3_000;

/** The all-in-one mode: every app registers with the in-process discovery app, over HTTP, by the same client as in the cluster. */
describe('discovery in the all-in-one mode: registry, admin listing and the gateway fast 503', () => {
  let platform: Platform;
  let dataDir: string;
  let discoveryUrl: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shop-disc-aio-'));
    platform = await startPlatform(
      { DB_SQLITE_DIR: dataDir, SEED_DEMO_PRODUCTS: '3', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, DISCOVERY_HEARTBEAT_MS: '200', DISCOVERY_FETCH_MS: '200', RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS) },
      { freePorts: true, logger: false },
    );
    discoveryUrl = platform.services.find((s) => s.name === 'discovery')!.url;
  });

  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}) => fetch(`${platform.gatewayUrl}/api/v1${path}`, init);
  const login = async (body: { email: string; password: string }) => ((await (await api('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as { accessToken: string }).accessToken;

  it('every app of the platform is registered and UP', async () => {
    const services = await eventually(async () => {
      const list = (await (await fetch(`${discoveryUrl}/registry/services`)).json()) as Array<{ service: string; instances: number; up: number }>;
      return list.length === platform.services.length && list.every((s) => s.up === 1) ? list : undefined;
    }, { timeoutMs: 10_000, what: 'eight services UP' });
    expect(services.map((s) => s.service).sort()).toEqual(platform.services.map((s) => s.name).sort());
  });

  it('lists the services to admins at GET /api/v1/admin/services, and to nobody else', async () => {
    expect((await api('/admin/services')).status).toBe(401);
    const customer = { email: 'someone@discovery.test', password: 'quiet-river-stone-88' };
    expect((await api('/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...customer, displayName: 'Someone' }) })).status).toBe(201);
    expect((await api('/admin/services', { headers: { authorization: `Bearer ${await login(customer)}` } })).status).toBe(403);
    const token = await login(ADMIN);
    type Listing = { stale: boolean; services: Array<{ service: string; up: number; instances: InstanceView[] }> };
    // The gateway's copy follows the registry within a fetch interval (the gateway registered last).
    const body = await eventually(async () => {
      const res = await api('/admin/services', { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const listing = (await res.json()) as Listing;
      return listing.services.length === platform.services.length ? listing : undefined;
    }, { timeoutMs: 5_000, what: 'every service in the gateway listing' });
    expect(body.stale).toBe(false);
    expect(body.services.map((s) => s.service)).toEqual([...platform.services.map((s) => s.name)].sort());
    const product = body.services.find((s) => s.service === 'product')!;
    expect(product.up).toBe(1);
    expect(product.instances[0]).toMatchObject({ status: 'UP', port: Number(new URL(platform.services.find((s) => s.name === 'product')!.url).port) });
  });

  it('the gateway is ready while the services it calls are registered', async () => {
    const res = await fetch(`${platform.gatewayUrl}/health/ready`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { checks: Record<string, unknown> }).checks['services']).toEqual({ status: 'up' });
  });

  it('answers 503 problem+json within milliseconds for a service with no live instance, and its readiness names the service', async () => {
    const index = platform.services.findIndex((s) => s.name === 'product');
    const [product] = platform.services.splice(index, 1);
    await product!.close();
    // The product app deregistered on close; the gateway's registry copy follows within a fetch interval.
    await eventually(async () => (await api('/products')).status === 503, { timeoutMs: 5_000, intervalMs: 100, what: 'the gateway answering 503' });
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const res = await api('/products/anything');
      timings.push(performance.now() - started);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: 503, code: 'SERVICE.UNAVAILABLE', detail: 'product has no live instance' });
    }
    console.log(`[measure] gateway 503 for a service with no instance: ${timings.map((t) => t.toFixed(1)).join(', ')} ms (RPC timeout ${RPC_TIMEOUT_MS} ms)`);
    expect(Math.max(...timings)).toBeLessThan(250);
    const ready = await fetch(`${platform.gatewayUrl}/health/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, unknown> }).checks['services']).toEqual({ status: 'down', error: 'no live instance of product' });
  });
});
