import { randomUUID } from 'node:crypto';
import { type CategoryView, type CreateProduct, PRODUCT_SORTS, type Page, type ProductSort, type ProductStatus, type ProductSummary, type ProductView } from '@shop/contracts';
import { ProductsService } from '@shop/services/product';
import fc from 'fast-check';
import { SERVICE_ACTOR, type Shop, startShop } from './shop.js';

/**
 * GET /api/v1/products against a reference written here: one generated
 * catalog (150 products, a category tree three levels deep, two sellers,
 * drafts and archived products among them, some out of stock) built once,
 * then many generated queries, each answer compared with the reference's
 * filter, sort and page of the same catalog.
 */

const WORDS = ['kettle', 'lamp', 'tent', 'grinder', 'chair', 'speaker', 'bottle', 'notebook'];
const ADJECTIVES = ['Classic', 'Compact', 'Vintage', 'Smart', 'Foldable'];
const EXTRAS = ['50% off', 'snake_case label', 'back\\slash', 'limited edition', ''];

interface Known {
  id: string;
  name: string;
  description: string;
  price: number;
  categoryId: string | null;
  sellerId: string;
  status: ProductStatus;
  available: number;
  createdAt: string;
}

interface Query {
  q?: string;
  categoryId?: string;
  minPrice?: number;
  maxPrice?: number;
  sellerId?: string;
  inStock?: boolean;
  sort?: ProductSort;
  page?: number;
  pageSize?: number;
}

describe('product search, filters, sorts and pages against a reference', () => {
  let shop: Shop;
  const catalog: Known[] = [];
  const categories: Array<{ id: string; parentId: string | null }> = [];
  const sellers = [randomUUID(), randomUUID()];

  /** Category ids of a category and all its descendants. */
  const subtree = (id: string): Set<string> => {
    const ids = new Set([id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const c of categories) {
        if (c.parentId && ids.has(c.parentId) && !ids.has(c.id)) {
          ids.add(c.id);
          grew = true;
        }
      }
    }
    return ids;
  };

  /** The reference: what the answer must be, computed from what was created. */
  const reference = (q: Query): { items: Known[]; total: number; page: number; pageSize: number } => {
    const words = (q.q ?? '').trim().toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8);
    const inCategory = q.categoryId ? subtree(q.categoryId) : undefined;
    const matches = catalog.filter(
      (p) =>
        p.status === 'ACTIVE' &&
        words.every((w) => p.name.toLowerCase().includes(w) || p.description.toLowerCase().includes(w)) &&
        (!inCategory || (p.categoryId !== null && inCategory.has(p.categoryId))) &&
        (q.minPrice === undefined || p.price >= q.minPrice) &&
        (q.maxPrice === undefined || p.price <= q.maxPrice) &&
        (!q.sellerId || p.sellerId === q.sellerId) &&
        (!q.inStock || p.available > 0),
    );
    const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
    const byId = (a: Known, b: Known) => cmp(a.id, b.id);
    const sorts: Record<ProductSort, (a: Known, b: Known) => number> = {
      newest: (a, b) => cmp(b.createdAt, a.createdAt) || byId(a, b),
      price_asc: (a, b) => cmp(a.price, b.price) || byId(a, b),
      price_desc: (a, b) => cmp(b.price, a.price) || byId(a, b),
      name: (a, b) => cmp(a.name, b.name) || byId(a, b),
    };
    matches.sort(sorts[q.sort ?? 'newest']);
    const page = q.page ?? 1;
    const pageSize = Math.min(100, q.pageSize ?? 20);
    return { items: matches.slice((page - 1) * pageSize, page * pageSize), total: matches.length, page, pageSize };
  };

  const list = (q: object) => {
    const params = new URLSearchParams(Object.entries(q).flatMap(([k, v]): Array<[string, string]> => (v === undefined ? [] : [[k, String(v)]])));
    return shop.http<Page<ProductSummary>>('GET', `/products?${params}`);
  };

  beforeAll(async () => {
    shop = await startShop();
    // Two top categories, children, and one grandchild: subcategories two levels down count too.
    const mk = async (name: string, parentId?: string) => {
      const res = await shop.http<CategoryView>('POST', '/categories', { token: shop.admin.token, body: { name, ...(parentId ? { parentId } : {}) } });
      expect(res.status).toBe(201);
      categories.push({ id: res.body.id, parentId: res.body.parentId });
      return res.body.id;
    };
    const home = await mk('Home');
    const kitchen = await mk('Kitchen', home);
    await mk('Coffee', kitchen);
    await mk('Garden', home);
    const outdoors = await mk('Outdoors');
    await mk('Camping', outdoors);

    // The generated catalog: fixed seed, so a failure can be replayed.
    const generated = fc.sample(
      fc.record({
        adjective: fc.constantFrom(...ADJECTIVES),
        word: fc.constantFrom(...WORDS),
        other: fc.constantFrom(...WORDS),
        extra: fc.constantFrom(...EXTRAS),
        price: fc.integer({ min: 0, max: 5_000 }),
        category: fc.option(fc.constantFrom(...categories.map((c) => c.id)), { freq: 6 }),
        seller: fc.constantFrom(...sellers),
        status: fc.constantFrom<ProductStatus>('ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE', 'DRAFT', 'ARCHIVED'),
        stock: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 })),
      }),
      { numRuns: 150, seed: 4242 },
    );
    const products = shop.service('product').app.get(ProductsService);
    for (const [i, g] of generated.entries()) {
      const cmd: CreateProduct = {
        name: `${g.adjective} ${g.word[0]!.toUpperCase()}${g.word.slice(1)} ${i}`,
        description: `A ${g.other} to go with it. ${g.extra}`.trim(),
        categoryId: g.category,
        price: { amount: g.price, currency: 'EUR' },
        status: g.status,
        sellerId: g.seller,
        stock: g.stock,
      };
      const p: ProductView = await products.create(cmd, SERVICE_ACTOR);
      catalog.push({ id: p.id, name: p.name, description: p.description, price: p.price.amount, categoryId: p.categoryId, sellerId: g.seller, status: p.status, available: p.available, createdAt: p.createdAt });
    }
  });

  afterAll(async () => {
    await shop?.close();
  });

  /** Each filter present in about a third of the queries, so that most queries still find something. */
  const sometimes = <T>(arb: fc.Arbitrary<T>, weight = 1) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: arb, weight });
  const query = (): fc.Arbitrary<Query> =>
    fc
      .record({
        q: sometimes(
          fc.oneof(
            fc.constantFrom(...WORDS, ...ADJECTIVES, '50%', '%', '_', 'snake_case', 'back\\slash', 'LAMP', 'no-such-word'),
            fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...WORDS)).map(([a, b]) => `${a}  ${b}`),
            fc.constantFrom(...WORDS).chain((w) => fc.integer({ min: 0, max: w.length - 3 }).map((i) => w.slice(i, i + 3))),
          ),
        ),
        categoryId: sometimes(fc.constantFrom(...categories.map((c) => c.id))),
        prices: sometimes(fc.tuple(fc.option(fc.integer({ min: 0, max: 5_000 })), fc.option(fc.integer({ min: 0, max: 5_000 })))),
        sellerId: sometimes(fc.constantFrom(...sellers)),
        inStock: sometimes(fc.boolean()),
        sort: fc.option(fc.constantFrom(...PRODUCT_SORTS), { nil: undefined }),
        page: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 2 }),
        pageSize: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: fc.integer({ min: 1, max: 30 }), weight: 3 }, { arbitrary: fc.integer({ min: 90, max: 1_000 }), weight: 1 }),
      })
      .map(({ prices, ...q }) => {
        const [lo, hi] = prices ?? [null, null];
        const min = lo !== null && hi !== null ? Math.min(lo, hi) : lo;
        const max = lo !== null && hi !== null ? Math.max(lo, hi) : hi;
        return { ...q, minPrice: min ?? undefined, maxPrice: max ?? undefined };
      });

  it('any combination of q, category (with subcategories), price range, seller, inStock, sort and page returns exactly the reference page and total', async () => {
    const answered: number[] = [];
    await fc.assert(
      fc.asyncProperty(query(), async (q) => {
        const res = await list(q);
        expect(res.status).toBe(200);
        const want = reference(q);
        answered.push(want.items.length);
        expect({ total: res.body.total, page: res.body.page, pageSize: res.body.pageSize, ids: res.body.items.map((p) => p.id) }).toEqual({
          total: want.total,
          page: want.page,
          pageSize: want.pageSize,
          ids: want.items.map((p) => p.id),
        });
        // The summaries carry the facts they were found by.
        expect(res.body.items.map((p) => ({ price: p.price.amount, categoryId: p.categoryId, available: p.available, status: p.status, sellerId: p.sellerId }))).toEqual(
          want.items.map((p) => ({ price: p.price, categoryId: p.categoryId, available: p.available, status: 'ACTIVE', sellerId: p.sellerId })),
        );
      }),
      { numRuns: 120, seed: 777 },
    );
    // Not vacuous: most generated queries find something to compare.
    expect(answered.filter((n) => n > 0).length).toBeGreaterThan(answered.length / 2);
  }, 50_000);

  it('a category lists its own and its descendants’ products, and counts them in the category tree', async () => {
    const tree = (await shop.http<CategoryView[]>('GET', '/categories')).body;
    for (const c of categories) {
      const want = reference({ categoryId: c.id, pageSize: 100 });
      expect({ category: c.id, count: tree.find((t) => t.id === c.id)!.productCount }).toEqual({ category: c.id, count: want.total });
      const res = await list({ categoryId: c.id, pageSize: 100 });
      expect(res.body.items.map((p) => p.id)).toEqual(want.items.map((p) => p.id));
    }
    const top = categories.find((c) => !c.parentId)!;
    expect(reference({ categoryId: top.id }).total).toBeGreaterThan(reference({ categoryId: categories.find((c) => c.parentId === top.id)!.id }).total);
  });

  it('page size is clamped to 100: a huge page size answers 100 items and says so', async () => {
    const active = catalog.filter((p) => p.status === 'ACTIVE').length;
    expect(active).toBeGreaterThan(100);
    const res = await list({ pageSize: 100_000, sort: 'price_asc' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ pageSize: 100, total: active, page: 1 });
    expect(res.body.items).toHaveLength(100);
    const second = await list({ pageSize: 5_000, page: 2, sort: 'price_asc' });
    expect(second.body.items.map((p) => p.id)).toEqual(reference({ pageSize: 100, page: 2, sort: 'price_asc' }).items.map((p) => p.id));
  });

  it.each([
    ['pageSize', 'abc'],
    ['pageSize', '0'],
    ['page', '0'],
    ['sort', 'cheapest'],
    ['minPrice', '-1'],
    ['maxPrice', '1.5'],
    ['categoryId', 'not-a-uuid'],
    ['sellerId', '42'],
    ['inStock', 'maybe'],
    ['status', 'SOLD'],
    ['q', 'x'.repeat(201)],
  ].map(([name, value]) => ({ name: name!, value: value!, shown: value!.length > 20 ? `${value!.slice(0, 8)}... (${value!.length} characters)` : value! })))('an invalid $name ($shown) is refused with 400 naming the parameter', async ({ name, value }) => {
    const res = await shop.http<{ code: string; detail: string }>('GET', `/products?${new URLSearchParams({ [name]: value })}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.detail).toMatch(new RegExp(`\\b${name}\\b`));
  });

  it('an unknown query parameter is refused with 400 naming it', async () => {
    const res = await shop.http<{ detail: string }>('GET', '/products?colour=red');
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('colour');
  });
});
