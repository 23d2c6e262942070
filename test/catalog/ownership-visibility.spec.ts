import type { Page, ProductSummary, ProductView, StockMovementView, StockView } from '@shop/contracts';
import { type Account, type Shop, startShop } from './shop.js';

/**
 * Who may touch and who may see a product, over HTTP through the gateway of
 * the all-in-one shop: sellers own their products and stock, customers
 * create nothing, drafts and archived products exist only for their seller
 * and admins, and edits carry an optimistic version.
 */
describe('catalog ownership and visibility over HTTP', () => {
  let shop: Shop;
  let sellerA: Account;
  let sellerB: Account;
  let customer: Account;
  let active: ProductView;
  let draft: ProductView;
  let archived: ProductView;
  const tag = `own${Date.now().toString(36)}`;

  beforeAll(async () => {
    shop = await startShop();
    [sellerA, sellerB, customer] = [await shop.account(['SELLER']), await shop.account(['SELLER']), await shop.account(['CUSTOMER'])];
    const create = async (name: string, status: string) => {
      const res = await shop.http<ProductView>('POST', '/products', { token: sellerA.token, body: { name: `${tag} ${name}`, description: 'owned by seller A', price: { amount: 1500, currency: 'EUR' }, status, stock: 5 } });
      expect(res.status).toBe(201);
      return res.body;
    };
    active = await create('Active Lamp', 'ACTIVE');
    draft = await create('Draft Lamp', 'DRAFT');
    archived = await create('Archived Lamp', 'ACTIVE');
    const archive = await shop.http<ProductView>('PATCH', `/products/${archived.id}`, { token: sellerA.token, body: { status: 'ARCHIVED' } });
    expect(archive.status).toBe(200);
    archived = archive.body;
  });

  afterAll(async () => {
    await shop?.close();
  });

  it('a seller creates products as their own, whatever seller id the body names', async () => {
    expect(active.sellerId).toBe(sellerA.id);
    const res = await shop.http<ProductView>('POST', '/products', { token: sellerB.token, body: { name: `${tag} Claimed`, price: { amount: 100, currency: 'EUR' }, sellerId: sellerA.id } });
    expect(res.status).toBe(201);
    expect(res.body.sellerId).toBe(sellerB.id);
  });

  it('a customer cannot create products (403), an anonymous caller neither (401), and nothing is created', async () => {
    const body = { name: `${tag} Customer Product`, price: { amount: 100, currency: 'EUR' } };
    expect(await shop.http('POST', '/products', { token: customer.token, body })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await shop.http('POST', '/products', { body })).toMatchObject({ status: 401 });
    const list = await shop.http<Page<ProductSummary>>('GET', `/products?q=${encodeURIComponent(`${tag} Customer`)}`);
    expect(list.body.total).toBe(0);
  });

  it("another seller can neither edit, adjust the stock of, nor read the movements of a seller's product; it stays as it was", async () => {
    const before = (await shop.http<ProductView>('GET', `/products/${active.id}`, { token: sellerA.token })).body;
    const edit = await shop.http('PATCH', `/products/${active.id}`, { token: sellerB.token, body: { name: 'Hijacked', price: { amount: 1, currency: 'EUR' } } });
    expect(edit).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const stock = await shop.http('POST', `/products/${active.id}/stock`, { token: sellerB.token, body: { mode: 'set', quantity: 0, reason: 'sabotage' } });
    expect(stock).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const moves = await shop.http('GET', `/products/${active.id}/stock/movements`, { token: sellerB.token });
    expect(moves).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    // The draft is not even acknowledged to another seller.
    expect((await shop.http('GET', `/products/${draft.id}`, { token: sellerB.token })).status).toBe(404);
    // Customers are stopped at the gateway.
    expect((await shop.http('PATCH', `/products/${active.id}`, { token: customer.token, body: { name: 'Nope' } })).status).toBe(403);
    expect((await shop.http('POST', `/products/${active.id}/stock`, { token: customer.token, body: { mode: 'delta', quantity: 1, reason: 'x' } })).status).toBe(403);
    expect((await shop.http('GET', `/products/${active.id}/stock/movements`, { token: customer.token })).status).toBe(403);

    const after = (await shop.http<ProductView>('GET', `/products/${active.id}`, { token: sellerA.token })).body;
    expect(after).toEqual(before);
  });

  it('the owner and an admin adjust stock (set and delta, with a reason) and read the movements, each recorded with its actor', async () => {
    const set = await shop.http<StockView>('POST', `/products/${active.id}/stock`, { token: sellerA.token, body: { mode: 'set', quantity: 12, reason: 'stocktake' } });
    expect(set).toMatchObject({ status: 200, body: { onHand: 12, reserved: 0, available: 12 } });
    const delta = await shop.http<StockView>('POST', `/products/${active.id}/stock`, { token: shop.admin.token, body: { mode: 'delta', quantity: -2, reason: 'damaged in storage' } });
    expect(delta).toMatchObject({ status: 200, body: { onHand: 10, available: 10 } });
    const below = await shop.http('POST', `/products/${active.id}/stock`, { token: sellerA.token, body: { mode: 'delta', quantity: -11, reason: 'too many' } });
    expect(below).toMatchObject({ status: 400, body: { code: 'STOCK.INVALID' } });
    for (const who of [sellerA, shop.admin]) {
      const moves = await shop.http<Page<StockMovementView>>('GET', `/products/${active.id}/stock/movements`, { token: who.token });
      expect(moves.status).toBe(200);
      expect(moves.body.items.map((m) => ({ delta: m.onHandDelta, after: m.onHandAfter, reason: m.reason, actor: m.actorId }))).toEqual([
        { delta: -2, after: 10, reason: 'damaged in storage', actor: shop.admin.id },
        { delta: 7, after: 12, reason: 'stocktake', actor: sellerA.id },
        { delta: 5, after: 5, reason: 'initial stock', actor: sellerA.id },
      ]);
    }
  });

  it('drafts and archived products are 404 to anonymous callers, customers and other sellers, by id and by slug', async () => {
    for (const product of [draft, archived]) {
      for (const who of [undefined, customer.token, sellerB.token]) {
        for (const key of [product.id, product.slug]) {
          const res = await shop.http('GET', `/products/${key}`, { token: who });
          expect({ key, who: who ? 'signed in' : 'anonymous', status: res.status, code: res.body?.code }).toEqual({ key, who: who ? 'signed in' : 'anonymous', status: 404, code: 'PRODUCT.NOT_FOUND' });
        }
      }
    }
    expect((await shop.http('GET', `/products/${active.slug}`)).status).toBe(200);
  });

  it('drafts and archived products are absent from public and customer lists, even when asked for by status', async () => {
    for (const who of [undefined, customer.token]) {
      const list = await shop.http<Page<ProductSummary>>('GET', `/products?q=${tag}&pageSize=100`, { token: who });
      expect(list.status).toBe(200);
      expect(list.body.items.map((p) => p.id)).not.toContain(draft.id);
      expect(list.body.items.map((p) => p.id)).not.toContain(archived.id);
      expect(list.body.items.map((p) => p.id)).toContain(active.id);
      expect(list.body.items.every((p) => p.status === 'ACTIVE')).toBe(true);
    }
    expect((await shop.http('GET', `/products?status=DRAFT&q=${tag}`)).status).toBe(401);
    expect((await shop.http('GET', `/products?status=ARCHIVED&q=${tag}`, { token: customer.token })).status).toBe(403);
  });

  it('the seller and admins see them: by id, and listed by status (a seller only their own)', async () => {
    for (const who of [sellerA, shop.admin]) {
      expect(await shop.http('GET', `/products/${draft.id}`, { token: who.token })).toMatchObject({ status: 200, body: { id: draft.id, status: 'DRAFT' } });
      expect(await shop.http('GET', `/products/${archived.slug}`, { token: who.token })).toMatchObject({ status: 200, body: { id: archived.id, status: 'ARCHIVED' } });
      const drafts = await shop.http<Page<ProductSummary>>('GET', `/products?status=DRAFT&q=${tag}`, { token: who.token });
      expect(drafts.body.items.map((p) => p.id)).toEqual([draft.id]);
      const archivedList = await shop.http<Page<ProductSummary>>('GET', `/products?status=ARCHIVED&q=${tag}`, { token: who.token });
      expect(archivedList.body.items.map((p) => p.id)).toEqual([archived.id]);
    }
    const othersDrafts = await shop.http<Page<ProductSummary>>('GET', `/products?status=DRAFT&q=${tag}`, { token: sellerB.token });
    expect(othersDrafts).toMatchObject({ status: 200, body: { total: 0, items: [] } });
  });

  it('an edit with a stale expectedVersion is refused with 409 PRODUCT.VERSION_CONFLICT and changes nothing; of two concurrent edits from one version exactly one wins', async () => {
    const current = (await shop.http<ProductView>('GET', `/products/${active.id}`, { token: sellerA.token })).body;
    const first = await shop.http<ProductView>('PATCH', `/products/${active.id}`, { token: sellerA.token, body: { expectedVersion: current.version, description: 'first edit' } });
    expect(first).toMatchObject({ status: 200, body: { version: current.version + 1, description: 'first edit' } });
    const stale = await shop.http('PATCH', `/products/${active.id}`, { token: sellerA.token, body: { expectedVersion: current.version, description: 'stale edit' } });
    expect(stale).toMatchObject({ status: 409, body: { code: 'PRODUCT.VERSION_CONFLICT' } });
    expect((await shop.http<ProductView>('GET', `/products/${active.id}`)).body).toMatchObject({ version: current.version + 1, description: 'first edit' });

    const racing = await Promise.all(
      ['edit by seller', 'edit by admin'].map((description, i) => shop.http('PATCH', `/products/${active.id}`, { token: i ? shop.admin.token : sellerA.token, body: { expectedVersion: current.version + 1, description } })),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = racing.find((r) => r.status === 200)!.body as ProductView;
    expect((await shop.http<ProductView>('GET', `/products/${active.id}`)).body).toMatchObject({ version: current.version + 2, description: winner.description });
  });
});
