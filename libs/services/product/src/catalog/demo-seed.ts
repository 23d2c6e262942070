import { Injectable } from '@nestjs/common';
import type { CreateProduct } from '@shop/contracts';
import { DataSource } from 'typeorm';
import { Category } from './category.entity.js';
import { CategoriesService } from './categories.service.js';
import { ProductsService } from './products.service.js';

const TREE: Array<[string, string[]]> = [
  ['Home & Kitchen', ['Cookware', 'Coffee & Tea', 'Storage']],
  ['Electronics', ['Audio', 'Computers', 'Accessories']],
  ['Outdoors', ['Camping', 'Cycling', 'Garden']],
  ['Office', ['Stationery', 'Furniture', 'Lighting']],
];
const ADJECTIVES = ['Classic', 'Organic', 'Compact', 'Vintage', 'Ergonomic', 'Waterproof', 'Handmade', 'Wireless', 'Foldable', 'Smart'];
const NOUNS = ['Backpack', 'Grinder', 'Lamp', 'Notebook', 'Headphones', 'Bottle', 'Chair', 'Keyboard', 'Kettle', 'Tent', 'Speaker', 'Pan'];

/** The i-th demo product, the same on every run: tests and benchmarks find products by slug. */
export function demoProduct(i: number, categoryIds: string[], sellerIds: string[]): CreateProduct {
  const name = `${ADJECTIVES[i % ADJECTIVES.length]} ${NOUNS[Math.floor(i / ADJECTIVES.length) % NOUNS.length]} ${String(i + 1).padStart(5, '0')}`;
  return {
    name,
    slug: `demo-${i + 1}`,
    description: `Demo product number ${i + 1}: a ${name.toLowerCase()} for the storefront.`,
    categoryId: categoryIds.length ? categoryIds[i % categoryIds.length]! : null,
    price: { amount: 499 + ((i * 7_919) % 49_500), currency: 'EUR' },
    images: [`https://images.shop.example/demo/${i + 1}.jpg`],
    attributes: { colour: ['black', 'white', 'red', 'green', 'blue'][i % 5]! },
    stock: 20 + ((i * 37) % 480),
    sellerId: sellerIds.length ? sellerIds[i % sellerIds.length]! : null,
  };
}

/** Seeds categories and products with stock into an empty catalog, in one transaction per 250 products. */
@Injectable()
export class DemoCatalog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly categories: CategoriesService,
    private readonly products: ProductsService,
  ) {}

  async seed(count: number, sellerIds: string[] = []): Promise<{ categories: number; products: number }> {
    if ((await this.products.count()) > 0) return { categories: 0, products: 0 };
    const service = { kind: 'service', service: 'product' } as const;
    const leaves: string[] = [];
    if (!(await this.dataSource.getRepository(Category).count())) {
      await this.dataSource.transaction(async (m) => {
        for (const [top, children] of TREE) {
          const parent = await this.categories.create(service, { name: top }, m);
          for (const child of children) leaves.push((await this.categories.create(service, { name: child, parentId: parent.id }, m)).id);
        }
      });
    }
    for (let start = 0; start < count; start += 250) {
      await this.dataSource.transaction(async (m) => {
        for (let i = start; i < Math.min(count, start + 250); i++) await this.products.create(demoProduct(i, leaves, sellerIds), service, m);
      });
    }
    return { categories: leaves.length ? leaves.length + TREE.length : 0, products: count };
  }
}
