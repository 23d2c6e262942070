import type { CreateProduct } from '@shop/contracts';
import type { ProductsService } from './products.service.js';

const ADJECTIVES = ['Classic', 'Organic', 'Compact', 'Vintage', 'Ergonomic', 'Waterproof', 'Handmade', 'Wireless'];
const NOUNS = ['Backpack', 'Coffee Grinder', 'Desk Lamp', 'Notebook', 'Headphones', 'Water Bottle', 'Chair', 'Keyboard'];

/** A deterministic demo catalog: the same products, in the same order, every time. */
export function demoProducts(count: number): CreateProduct[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `${ADJECTIVES[i % ADJECTIVES.length]} ${NOUNS[Math.floor(i / ADJECTIVES.length) % NOUNS.length]} ${Math.floor(i / 64) + 1}`;
    return { name, description: `Demo product number ${i + 1}.`, price: { amount: 499 + ((i * 137) % 20_000), currency: 'EUR' } };
  });
}

/** Seeds the demo catalog into an empty database; returns how many it created. */
export async function seedDemoCatalog(products: ProductsService, count: number): Promise<number> {
  if ((await products.count()) > 0) return 0;
  for (const p of demoProducts(count)) await products.create(p);
  return count;
}
