import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConsoleLogger } from '@nestjs/common';
import { eventually, freePortBlock, spawnNode } from '@shop/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gatewayClient } from '../catalog/shop.js';
import { ADDRESS, addToCart, checkout } from '../orders/orders-helpers.js';

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
    const http = gatewayClient(`http://127.0.0.1:${base}`);
    try {
      await app.waitForOutput(/shop is up/, 60_000);
      const products = await http('GET', '/products?pageSize=5');
      expect(products.body.total).toBe(5);
      const email = `icu.${randomUUID().slice(0, 8)}@example.test`;
      const password = 'amber-fjord-telescope-42';
      expect((await http('POST', '/auth/register', { body: { email, password, displayName: 'Icu Free' } })).status).toBe(201);
      const customer = { id: '', roles: [], token: (await http('POST', '/auth/login', { body: { email, password } })).body.accessToken as string };
      // addToCart fails unless the answer is 200 or 201.
      for (const p of products.body.items.slice(0, 2)) await addToCart(http, customer, p.id);
      const order = await checkout(http, customer, randomUUID(), ADDRESS);
      expect(order.status).toBe(201);
      // Reserved by the product service (its lines sorted), then confirmed: every service has handled the order.
      const status = await eventually(
        async () => {
          const now = (await http('GET', `/orders/${order.body.id}`, { token: customer.token })).body.status as string;
          return now === 'PENDING' ? undefined : now;
        },
        { timeoutMs: 10_000, what: 'the order leaves PENDING' },
      );
      expect(status).toBe('CONFIRMED');
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
