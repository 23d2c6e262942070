import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { type SpawnedProcess, spawnNode, uniqueName, waitForHttp, freePortBlock } from '@shop/testing';

const root = resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(root, 'test-artifacts');

/**
 * The discovery dashboard in a real browser: Debian's chromium, headless,
 * driven by playwright-core (no downloaded browser). It must list the running
 * apps and show an instance's status change without a reload.
 */
describe('discovery dashboard in headless Chromium', () => {
  const namespace = uniqueName('dash');
  const base = freePortBlock(10);
  const port = { discovery: base, order: base + 1, notification: base + 2 };
  const discoveryUrl = `http://127.0.0.1:${port.discovery}`;
  const common = { SHOP_TRANSPORT: 'in-process', DB_DRIVER: 'sqlite', DB_SQLITE_DIR: ':memory:', CONFIG_URL: 'none', SHOP_NAMESPACE: namespace, DISCOVERY_URLS: discoveryUrl, DISCOVERY_HEARTBEAT_MS: '300', APP_VERSION: '3.1.4-dash' };
  const procs: Record<string, SpawnedProcess> = {};
  let context: BrowserContext | undefined;
  let profileDir: string;
  let page: Page;
  const requests: string[] = [];

  const statusOf = (service: string, table = '#instances') => page.locator(`${table} tr[data-service="${service}"][data-instance-id] [data-field="status"]`);

  beforeAll(async () => {
    // Fail, never skip: the browser is part of what this test needs.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the dashboard test`);
    procs['discovery'] = spawnNode(resolve(root, 'apps/discovery/src/main.ts'), { ...common, HTTP_PORT: String(port.discovery), DISCOVERY_TTL_MS: '2500', DISCOVERY_HEALTH_INTERVAL_MS: '300', DISCOVERY_HEALTH_TIMEOUT_MS: '400' });
    for (const app of ['order', 'notification'] as const) procs[app] = spawnNode(resolve(root, `apps/${app}/src/main.ts`), { ...common, HTTP_PORT: String(port[app]) });
    await Promise.all(Object.values(port).map((p) => waitForHttp(`http://127.0.0.1:${p}/health/live`, { timeoutMs: 45_000 })));
    profileDir = mkdtempSync(join(tmpdir(), 'shop-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 720 },
      timeout: 30_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (r) => requests.push(r.url()));
  }, 60_000);

  afterAll(async () => {
    for (const p of Object.values(procs)) {
      try {
        process.kill(p.pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await context?.close();
    await Promise.all(Object.values(procs).map((p) => p.stop('SIGKILL')));
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  it('lists the running apps with status, version and address, from nothing but its own origin', async () => {
    const res = await page.goto(discoveryUrl);
    expect(res!.status()).toBe(200);
    expect(res!.headers()['content-security-policy']).toMatch(/default-src 'none'/);
    await expect.poll(() => statusOf('order').textContent(), { timeout: 10_000 }).toBe('UP');
    await expect.poll(() => statusOf('notification').textContent(), { timeout: 10_000 }).toBe('UP');
    await expect.poll(() => statusOf('discovery').textContent(), { timeout: 10_000 }).toBe('UP');
    const orderRow = page.locator('#instances tr[data-service="order"][data-instance-id]');
    expect(await orderRow.getAttribute('data-instance-id')).toBe(`127.0.0.1:order:${port.order}`);
    const cells = await orderRow.locator('td').allTextContents();
    expect(cells).toContain('3.1.4-dash');
    expect(cells).toContain(`127.0.0.1:${port.order}`);
    expect(cells.some((c) => /^\d+ s ago$/.test(c))).toBe(true);
    expect(await page.locator('#conn').textContent()).toBe('live');
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith(discoveryUrl))).toEqual([]);
  });

  it('shows an instance going DOWN when it freezes, then evicted, and one deregistered on SIGTERM, without a reload', async () => {
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
    const order = procs['order']!;
    process.kill(order.pid, 'SIGSTOP');
    try {
      await expect.poll(() => statusOf('order').textContent(), { timeout: 10_000 }).toBe('DOWN');
      expect(await page.locator('#instances tr[data-service="order"][data-instance-id] .reason').textContent()).toMatch(/health check timed out/);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'discovery-dashboard.png'), fullPage: true });
      await expect.poll(() => statusOf('order', '#removed').textContent(), { timeout: 10_000 }).toBe('EVICTED');
      expect(await statusOf('order').count()).toBe(0);
    } finally {
      process.kill(order.pid, 'SIGCONT');
    }
    expect(await procs['notification']!.stop('SIGTERM')).toBe(0);
    await expect.poll(() => statusOf('notification', '#removed').textContent(), { timeout: 5_000 }).toBe('DEREGISTERED');
    expect(await statusOf('notification').count()).toBe(0);
    // The resumed app registers again and shows up again.
    await expect.poll(() => statusOf('order').textContent(), { timeout: 10_000 }).toBe('UP');
    await page.screenshot({ path: join(ARTIFACTS, 'discovery-dashboard-after.png'), fullPage: true });
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(42);
    expect(requests.filter((u) => !u.startsWith(discoveryUrl))).toEqual([]);
  });
});
