import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConsoleLogger } from '@nestjs/common';
import { freePortBlock, spawnNode } from '@shop/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The first Intl formatter or collator a process builds loads part of ICU's data and code into it: about
 * 8 MB resident for a DateTimeFormat, 3 MB for localeCompare's collator (measured on Node 20, each app
 * process pays it). The apps need neither: Nest's Logger and ConsoleLogger build their date formatters on
 * first use (patches/@nestjs+common+*.patch), kafkajs sorts created topics by code units
 * (patches/kafkajs+*.patch), and our own sorts use byCodeUnits.
 */
describe('no ICU in the apps', () => {
  afterEach(() => vi.restoreAllMocks());

  it('the all-in-one boots and takes an order through every service building no Intl formatter (but for the mail\'s currency digits) and calling no localeCompare', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shop-icu-'));
    const spyFile = join(dir, 'icu-uses.txt');
    const base = freePortBlock(10);
    const names = ['GATEWAY', 'DISCOVERY', 'CONFIG', 'USER', 'PRODUCT', 'CART', 'ORDER', 'NOTIFICATION'];
    const ports = Object.fromEntries(names.map((n, i) => [`${n}_HTTP_PORT`, String(base + i)]));
    const spy = pathToFileURL(resolve(import.meta.dirname, 'icu-spy.mjs')).href;
    const app = spawnNode(resolve(import.meta.dirname, '../../apps/all-in-one/src/main.ts'), { ...ports, DB_SQLITE_DIR: dir, SEED_DEMO_PRODUCTS: '5', NODE_OPTIONS: `--import=${spy}`, ICU_SPY_FILE: spyFile });
    const api = `http://127.0.0.1:${base}/api/v1`;
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${api}${path}`, { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
    };
    try {
      await app.waitForOutput(/shop is up/, 60_000);
      const products = await call('GET', '/products?pageSize=5');
      expect(products.body.total).toBe(5);
      const email = `icu.${randomUUID().slice(0, 8)}@example.test`;
      const password = 'amber-fjord-telescope-42';
      expect((await call('POST', '/auth/register', { email, password, displayName: 'Icu Free' })).status).toBe(201);
      const token = (await call('POST', '/auth/login', { email, password })).body.accessToken as string;
      const auth = { authorization: `Bearer ${token}` };
      for (const p of products.body.items.slice(0, 2)) expect([200, 201]).toContain((await call('POST', '/cart/items', { productId: p.id, quantity: 1 }, auth)).status);
      const address = { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
      const order = await call('POST', '/orders', { shippingAddress: address }, { ...auth, 'idempotency-key': randomUUID() });
      expect(order.status).toBe(201);
      // Reserved by the product service (its lines sorted), then confirmed: every service has handled the order.
      for (let i = 0; i < 100 && (await call('GET', `/orders/${order.body.id}`, undefined, auth)).body.status === 'PENDING'; i++) await new Promise((r) => setTimeout(r, 100));
      expect((await call('GET', `/orders/${order.body.id}`, undefined, auth)).body.status).toBe('CONFIRMED');
      // The one use there is: a mail shows an amount with its currency's decimals (ICU's currency data), in the notification service only.
      const uses = (existsSync(spyFile) ? readFileSync(spyFile, 'utf8') : '').split('\n\n').filter((u) => u.trim() && !(u.startsWith('Intl.NumberFormat\n') && u.includes('at formatMoney ')));
      expect(uses).toEqual([]);
    } finally {
      await app.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it("Nest's ConsoleLogger still prints its timestamp, formatted on first use", () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    new ConsoleLogger('IcuTest', { colors: false }).log('hello');
    expect(written.join('')).toMatch(/^\[Nest\] \d+ {2}- \d{2}\/\d{2}\/\d{4}, \d{1,2}:\d{2}:\d{2} (AM|PM) {5}LOG \[IcuTest\] hello/m);
  });

  it('kafkajs sorts the topics of a CreateTopics answer by code units, without localeCompare', async () => {
    const require = createRequire(import.meta.url);
    const Encoder = require('kafkajs/src/protocol/encoder.js');
    const { decode } = require('kafkajs/src/protocol/requests/createTopics/v2/response.js');
    const topics = ['shop.orders', 'shop.Inventory', 'shop.catalog-events', 'shop.catalog'];
    const raw = new Encoder().writeInt32(0).writeArray(topics.map((t) => new Encoder().writeString(t).writeInt16(0).writeString(null)));
    const localeCompare = vi.spyOn(String.prototype, 'localeCompare');
    const decoded = await decode(raw.buffer);
    expect(decoded.topicErrors.map((t: { topic: string }) => t.topic)).toEqual(['shop.Inventory', 'shop.catalog', 'shop.catalog-events', 'shop.orders']);
    expect(localeCompare).not.toHaveBeenCalled();
  });
});
