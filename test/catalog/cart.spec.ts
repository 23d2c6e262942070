import { randomUUID } from 'node:crypto';
import type { CartView, ProductView } from '@shop/contracts';
import { OutboxService, RpcClient } from '@shop/messaging';
import { eventually } from '@shop/testing';
import { DataSource } from 'typeorm';
import { type Account, type Shop, startShop } from './shop.js';

/**
 * The cart over HTTP in the all-in-one shop: what may be added (with the
 * codes of what may not), whose cart it is, prices and availability flagged
 * as they change, and what it does while the product service is down.
 */

const MAX_LINES = 3;
const MAX_PER_LINE = 10;

async function product(shop: Shop, seller: Account, name: string, price: number, stock: number, status = 'ACTIVE'): Promise<ProductView> {
  const res = await shop.http<ProductView>('POST', '/products', { token: seller.token, body: { name: `${name} ${randomUUID().slice(0, 6)}`, price: { amount: price, currency: 'EUR' }, stock, status } });
  expect(res.status).toBe(201);
  return res.body;
}

describe('the cart', () => {
  let shop: Shop;
  let seller: Account;
  let alice: Account;
  let bob: Account;

  beforeAll(async () => {
    shop = await startShop({ CART_MAX_LINES: String(MAX_LINES), CART_MAX_QUANTITY_PER_LINE: String(MAX_PER_LINE) });
    [seller, alice, bob] = [await shop.account(['SELLER']), await shop.account(['CUSTOMER']), await shop.account(['CUSTOMER'])];
  });

  afterAll(async () => {
    await shop?.close();
  });

  const cart = (who: Account) => shop.http<CartView>('GET', '/cart', { token: who.token });
  /** A cart, or a problem (code, detail). */
  const add = (who: Account, productId: string, quantity: number, extra: Record<string, unknown> = {}) =>
    shop.http<CartView & { code?: string; detail?: string }>('POST', '/cart/items', { token: who.token, body: { productId, quantity, ...extra } });

  it('refuses what cannot be bought, each with its code, and leaves the cart as it was', async () => {
    const lamp = await product(shop, seller, 'Cart Lamp', 1000, 5);
    const draft = await product(shop, seller, 'Cart Draft', 1000, 5, 'DRAFT');
    const archived = await product(shop, seller, 'Cart Archived', 1000, 5);
    expect((await shop.http('PATCH', `/products/${archived.id}`, { token: seller.token, body: { status: 'ARCHIVED' } })).status).toBe(200);
    const before = (await cart(alice)).body;

    expect(await add(alice, randomUUID(), 1)).toMatchObject({ status: 404, body: { code: 'PRODUCT.NOT_FOUND' } });
    for (const hidden of [draft, archived]) {
      const res = await add(alice, hidden.id, 1);
      // Not for sale, and not even shown to customers: the cart asks the catalog as the customer, who cannot see it.
      expect({ product: hidden.status, status: res.status, code: res.body.code }).toEqual({ product: hidden.status, status: 404, code: 'PRODUCT.NOT_FOUND' });
    }
    expect(await add(alice, lamp.id, 0)).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const tooMany = await add(alice, lamp.id, MAX_PER_LINE + 1);
    expect(tooMany).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(tooMany.body.detail).toMatch(/quantity/);
    expect(await add(alice, lamp.id, 6)).toMatchObject({ status: 409, body: { code: 'STOCK.INSUFFICIENT' } });
    // The price is the catalog's, never the caller's.
    const priced = await add(alice, lamp.id, 1, { price: { amount: 1, currency: 'EUR' } });
    expect(priced.status).toBe(400);
    expect(priced.body.detail).toMatch(/price/);

    expect((await cart(alice)).body).toEqual(before);
  });

  it('counts a line’s quantity against stock and the per-line maximum as it grows, and caps the number of lines', async () => {
    const [a, b, c, d] = [await product(shop, seller, 'Line A', 100, 4), await product(shop, seller, 'Line B', 200, 50), await product(shop, seller, 'Line C', 300, 50), await product(shop, seller, 'Line D', 400, 50)];
    expect(await add(bob, a.id, 3)).toMatchObject({ status: 201 });
    expect(await add(bob, a.id, 2)).toMatchObject({ status: 409, body: { code: 'STOCK.INSUFFICIENT' } });
    expect((await add(bob, a.id, 1)).body.lines).toEqual([expect.objectContaining({ productId: a.id, quantity: 4 })]);
    expect(await add(bob, b.id, 7)).toMatchObject({ status: 201 });
    expect(await add(bob, b.id, 4)).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await shop.http('PATCH', `/cart/items/${b.id}`, { token: bob.token, body: { quantity: MAX_PER_LINE + 1 } })).toMatchObject({ status: 400 });
    expect(await add(bob, c.id, 1)).toMatchObject({ status: 201 });
    expect(await add(bob, d.id, 1)).toMatchObject({ status: 422, body: { code: 'CART.LIMIT' } });
    const view = (await cart(bob)).body;
    expect(view.lines.map((l) => [l.productId, l.quantity])).toEqual([
      [a.id, 4],
      [b.id, 7],
      [c.id, 1],
    ]);
    expect(view.totals).toEqual([{ amount: 4 * 100 + 7 * 200 + 300, currency: 'EUR' }]);
    expect((await shop.http<CartView>('DELETE', '/cart', { token: bob.token })).body.lines).toEqual([]);
  });

  it('sellers and admins have no cart (403), anonymous callers are asked to sign in (401)', async () => {
    const p = await product(shop, seller, 'No Cart', 100, 5);
    for (const who of [seller, shop.admin]) {
      expect((await cart(who)).status).toBe(403);
      expect((await add(who, p.id, 1)).status).toBe(403);
      expect((await shop.http('DELETE', '/cart', { token: who.token })).status).toBe(403);
    }
    expect((await shop.http('GET', '/cart')).status).toBe(401);
  });

  it('a customer only ever sees and changes their own cart', async () => {
    const [mine, theirs] = [await product(shop, seller, 'Mine', 100, 5), await product(shop, seller, 'Theirs', 200, 5)];
    await shop.http('DELETE', '/cart', { token: alice.token });
    await shop.http('DELETE', '/cart', { token: bob.token });
    expect((await add(alice, mine.id, 2)).status).toBe(201);
    expect((await add(bob, theirs.id, 1)).status).toBe(201);

    const a = (await cart(alice)).body;
    const b = (await cart(bob)).body;
    expect({ customer: a.customerId, lines: a.lines.map((l) => l.productId) }).toEqual({ customer: alice.id, lines: [mine.id] });
    expect({ customer: b.customerId, lines: b.lines.map((l) => l.productId) }).toEqual({ customer: bob.id, lines: [theirs.id] });
    // Bob cannot reach Alice's line: it is not in his cart.
    expect(await shop.http('PATCH', `/cart/items/${mine.id}`, { token: bob.token, body: { quantity: 5 } })).toMatchObject({ status: 404, body: { code: 'CART.ITEM_NOT_FOUND' } });
    expect(await shop.http('DELETE', `/cart/items/${mine.id}`, { token: bob.token })).toMatchObject({ status: 404, body: { code: 'CART.ITEM_NOT_FOUND' } });
    await shop.http('DELETE', '/cart', { token: bob.token });
    expect((await cart(alice)).body.lines).toEqual([expect.objectContaining({ productId: mine.id, quantity: 2 })]);
  });

  it('after the seller changes a price the line shows it as changed, with the new price and totals; after archiving, as unavailable and out of the totals', async () => {
    await shop.http('DELETE', '/cart', { token: alice.token });
    const [mug, pot] = [await product(shop, seller, 'Mug', 250, 20), await product(shop, seller, 'Pot', 1000, 20)];
    await add(alice, mug.id, 2);
    await add(alice, pot.id, 1);
    expect((await cart(alice)).body).toMatchObject({ stale: false, totals: [{ amount: 1500, currency: 'EUR' }] });

    expect((await shop.http('PATCH', `/products/${mug.id}`, { token: seller.token, body: { price: { amount: 300, currency: 'EUR' } } })).status).toBe(200);
    const repriced = (await cart(alice)).body;
    expect(repriced.lines.find((l) => l.productId === mug.id)).toMatchObject({ unitPrice: { amount: 250 }, currentPrice: { amount: 300 }, priceChanged: true, unavailable: false, lineTotal: { amount: 600 } });
    expect(repriced.lines.find((l) => l.productId === pot.id)).toMatchObject({ priceChanged: false, unavailable: false });
    expect(repriced.totals).toEqual([{ amount: 1600, currency: 'EUR' }]);

    expect((await shop.http('PATCH', `/products/${pot.id}`, { token: seller.token, body: { status: 'ARCHIVED' } })).status).toBe(200);
    const archived = (await cart(alice)).body;
    expect(archived.lines.find((l) => l.productId === pot.id)).toMatchObject({ unavailable: true });
    expect(archived.totals).toEqual([{ amount: 600, currency: 'EUR' }]);
  });
});

describe('the cart while the product service is down', () => {
  let shop: Shop;
  let seller: Account;
  let alice: Account;

  beforeAll(async () => {
    shop = await startShop({ CART_CATALOG_TIMEOUT_MS: '500' });
    [seller, alice] = [await shop.account(['SELLER']), await shop.account(['CUSTOMER'])];
  });

  afterAll(async () => {
    await shop?.close();
  });

  it('applies product.price-changed and product.archived, each on its own, to its copy of the catalog', async () => {
    const vase = await product(shop, seller, 'Vase', 700, 10);
    expect((await shop.http('POST', '/cart/items', { token: alice.token, body: { productId: vase.id, quantity: 1 } })).status).toBe(201);
    const rpc = shop.service('gateway').app.get(RpcClient);
    expect(await rpc.send('cart.productSnapshot', { productId: vase.id })).toMatchObject({ price: { amount: 700 }, status: 'ACTIVE' });
    // The catalog emits only these two events (no product.updated beside them), through its outbox.
    const catalog = shop.service('product').app;
    await catalog.get(DataSource).transaction(async (m) => {
      await catalog.get(OutboxService).add(m, 'product.price-changed', vase.id, { productId: vase.id, previousPrice: { amount: 700, currency: 'EUR' }, price: { amount: 650, currency: 'EUR' } });
      await catalog.get(OutboxService).add(m, 'product.archived', vase.id, { productId: vase.id });
    });
    await eventually(async () => {
      const s = await rpc.send('cart.productSnapshot', { productId: vase.id });
      return s?.price.amount === 650 && s.status === 'ARCHIVED';
    }, { timeoutMs: 10_000, what: 'the price change and the archiving applied by the cart' });
    await shop.http('DELETE', '/cart', { token: alice.token });
  });

  it('shows the last known data from catalog events, marked stale, and refuses to add items rather than guess', async () => {
    await shop.http('DELETE', '/cart', { token: alice.token });
    const [kettle, grinder, spare] = [await product(shop, seller, 'Kettle', 1000, 10), await product(shop, seller, 'Grinder', 500, 10), await product(shop, seller, 'Spare', 100, 10)];
    expect((await shop.http('POST', '/cart/items', { token: alice.token, body: { productId: kettle.id, quantity: 2 } })).status).toBe(201);
    expect((await shop.http('POST', '/cart/items', { token: alice.token, body: { productId: grinder.id, quantity: 1 } })).status).toBe(201);

    // Changed while nobody reads the cart: only product.price-changed and product.archived can tell the cart.
    expect((await shop.http('PATCH', `/products/${kettle.id}`, { token: seller.token, body: { price: { amount: 1200, currency: 'EUR' } } })).status).toBe(200);
    expect((await shop.http('PATCH', `/products/${grinder.id}`, { token: seller.token, body: { status: 'ARCHIVED' } })).status).toBe(200);
    const rpc = shop.service('gateway').app.get(RpcClient);
    await eventually(async () => (await rpc.send('cart.productSnapshot', { productId: kettle.id }))?.price.amount === 1200, { timeoutMs: 10_000, what: 'the price change applied by the cart' });
    await eventually(async () => (await rpc.send('cart.productSnapshot', { productId: grinder.id }))?.status === 'ARCHIVED', { timeoutMs: 10_000, what: 'the archiving applied by the cart' });

    await shop.stopService('product');

    const started = Date.now();
    const res = await shop.http<CartView>('GET', '/cart', { token: alice.token });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.body.stale).toBe(true);
    expect(res.body.lines).toEqual([
      expect.objectContaining({ productId: kettle.id, quantity: 2, unitPrice: { amount: 1000, currency: 'EUR' }, currentPrice: { amount: 1200, currency: 'EUR' }, priceChanged: true, unavailable: false, lineTotal: { amount: 2400, currency: 'EUR' } }),
      expect.objectContaining({ productId: grinder.id, unavailable: true }),
    ]);
    expect(res.body.totals).toEqual([{ amount: 2400, currency: 'EUR' }]);

    for (const id of [spare.id, kettle.id]) {
      const refused = await shop.http('POST', '/cart/items', { token: alice.token, body: { productId: id, quantity: 1 } });
      expect({ productId: id, status: refused.status, code: refused.body.code }).toEqual({ productId: id, status: 503, code: 'SERVICE.UNAVAILABLE' });
    }
    expect((await shop.http<CartView>('GET', '/cart', { token: alice.token })).body.lines.map((l) => [l.productId, l.quantity])).toEqual([
      [kettle.id, 2],
      [grinder.id, 1],
    ]);
  });
});
