import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CategoryView, Page, ProductSummary } from '@shop/contracts';
import { demoProduct } from '@shop/services/product';
import { spawnNode, freePortBlock } from '@shop/testing';

interface Snapshot {
  categories: Array<{ slug: string; parent: string | null; productCount: number }>;
  products: Array<{ slug: string; name: string; price: number; currency: string; category: string | null; available: number; image: string | null }>;
  sellerIds: string[];
  demoSellerId: string;
}

/**
 * `npm start` (the all-in-one main, as a process, on fresh data) seeds demo
 * accounts and the demo catalog; a second start on other fresh data must seed
 * the very same catalog, so tests and benchmarks can rely on slugs and prices.
 */
async function bootAndRead(): Promise<Snapshot> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shop-demo-'));
  const base = freePortBlock(10);
  const names = ['GATEWAY', 'DISCOVERY', 'CONFIG', 'USER', 'PRODUCT', 'CART', 'ORDER', 'NOTIFICATION'];
  const ports = Object.fromEntries(names.map((n, i) => [`${n}_HTTP_PORT`, String(base + i)]));
  const app = spawnNode(resolve(import.meta.dirname, '../../apps/all-in-one/src/main.ts'), { ...ports, DB_SQLITE_DIR: dataDir });
  try {
    await app.waitForOutput(/shop is up/, 60_000);
    const api = async <T>(path: string): Promise<T> => {
      const res = await fetch(`http://127.0.0.1:${base}/api/v1${path}`, { signal: AbortSignal.timeout(15_000) });
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      return (await res.json()) as T;
    };
    const categories = await api<CategoryView[]>('/categories');
    const slugOf = new Map(categories.map((c) => [c.id, c.slug]));
    const products: ProductSummary[] = [];
    for (let page = 1; ; page++) {
      const body = await api<Page<ProductSummary>>(`/products?pageSize=100&sort=name&page=${page}`);
      products.push(...body.items);
      if (products.length >= body.total || !body.items.length) break;
    }
    const accounts = JSON.parse(readFileSync(join(dataDir, 'demo-accounts.json'), 'utf8')) as Array<{ id: string; roles: string }>;
    expect(await app.stop('SIGTERM')).toBe(0);
    return {
      categories: categories.map((c) => ({ slug: c.slug, parent: c.parentId ? slugOf.get(c.parentId)! : null, productCount: c.productCount })).sort((a, b) => a.slug.localeCompare(b.slug)),
      products: products.map((p) => ({ slug: p.slug, name: p.name, price: p.price.amount, currency: p.price.currency, category: p.categoryId ? slugOf.get(p.categoryId)! : null, available: p.available, image: p.image })),
      sellerIds: [...new Set(products.map((p) => p.sellerId ?? 'none'))],
      demoSellerId: accounts.find((a) => a.roles === 'SELLER')!.id,
    };
  } finally {
    await app.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('the all-in-one demo data', () => {
  let first: Snapshot;
  let second: Snapshot;

  beforeAll(async () => {
    first = await bootAndRead();
    second = await bootAndRead();
  }, 150_000);

  it('holds at least 1,000 products, every one in stock, owned by the demo seller, in a tree of 4 top categories with 3 leaves each', () => {
    expect(first.products.length).toBeGreaterThanOrEqual(1_000);
    expect(new Set(first.products.map((p) => p.slug)).size).toBe(first.products.length);
    expect(first.products.filter((p) => p.available <= 0)).toEqual([]);
    expect(first.sellerIds).toEqual([first.demoSellerId]);
    const tops = first.categories.filter((c) => !c.parent);
    const leaves = first.categories.filter((c) => c.parent);
    expect(tops).toHaveLength(4);
    expect(leaves).toHaveLength(12);
    for (const top of tops) expect(leaves.filter((l) => l.parent === top.slug)).toHaveLength(3);
    // Products spread over every leaf, and a top category counts its leaves' products.
    for (const leaf of leaves) expect({ leaf: leaf.slug, count: leaf.productCount, listed: first.products.filter((p) => p.category === leaf.slug).length }).toSatisfy((x: { count: number; listed: number }) => x.count > 50 && x.count === x.listed);
    for (const top of tops) expect(top.productCount).toBe(leaves.filter((l) => l.parent === top.slug).reduce((n, l) => n + l.productCount, 0));
    expect(tops.reduce((n, t) => n + t.productCount, 0)).toBe(first.products.length);
  });

  it('is the same on every fresh start: same slugs, names, prices, categories and stock', () => {
    expect(second.products).toEqual(first.products);
    expect(second.categories).toEqual(first.categories);
    expect(second.demoSellerId).not.toBe(first.demoSellerId);
    expect(second.sellerIds).toEqual([second.demoSellerId]);
  });

  it('is the documented generator: demo-<n> has the price and name demoProduct(n - 1) gives', () => {
    const bySlug = new Map(first.products.map((p) => [p.slug, p]));
    for (const i of [0, 1, 11, 12, 499, 998, 999]) {
      const want = demoProduct(i, [], []);
      expect(bySlug.get(`demo-${i + 1}`)).toMatchObject({ name: want.name, price: want.price.amount, currency: want.price.currency, available: want.stock });
    }
  });
});
