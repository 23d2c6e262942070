import { Injectable } from '@nestjs/common';
import { requireRole } from '@shop/auth';
import { type Actor, type CreateProduct, DomainError, ErrorCodes, type ListProducts, type Page, type ProductView, newId } from '@shop/contracts';
import { isDuplicateKeyError } from '@shop/database';
import { OutboxService } from '@shop/messaging';
import { DataSource } from 'typeorm';
import { Product } from './product.entity.js';

export const MAX_PAGE_SIZE = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURRENCY = /^[A-Z]{3}$/;

export function toView(p: Product): ProductView {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    description: p.description,
    price: { amount: p.priceAmount, currency: p.priceCurrency },
    status: p.status,
    sellerId: p.sellerId,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 150);
}

@Injectable()
export class ProductsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
  ) {}

  async get(idOrSlug: string): Promise<ProductView> {
    const repo = this.dataSource.getRepository(Product);
    const product = UUID.test(idOrSlug) ? await repo.findOneBy({ id: idOrSlug }) : await repo.findOneBy({ slug: idOrSlug });
    if (!product || product.status !== 'ACTIVE') throw new DomainError(ErrorCodes.PRODUCT_NOT_FOUND, `No product "${idOrSlug}"`);
    return toView(product);
  }

  async list(query: ListProducts): Promise<Page<ProductView>> {
    const page = Math.max(1, Math.floor(query.page ?? 1));
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(query.pageSize ?? 20)));
    const [items, total] = await this.dataSource.getRepository(Product).findAndCount({
      where: { status: 'ACTIVE' },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: (page - 1) * pageSize,
      take: pageSize,
    });
    return { items: items.map(toView), total, page, pageSize };
  }

  /**
   * Creation on behalf of a caller: a seller creates their own products, an
   * admin or an internal service may name the seller.
   */
  createAs(actor: Actor | undefined, cmd: CreateProduct): Promise<ProductView> {
    if (actor?.kind === 'service') return this.create(cmd);
    const user = requireRole(actor, 'SELLER', 'ADMIN');
    return this.create(user.roles.includes('ADMIN') ? cmd : { ...cmd, sellerId: user.userId });
  }

  /** Creates a product and emits `product.created` in the same transaction. */
  async create(cmd: CreateProduct): Promise<ProductView> {
    const name = cmd.name?.trim();
    if (!name || name.length > 200) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'name must be 1 to 200 characters');
    if (!Number.isInteger(cmd.price?.amount) || cmd.price.amount < 0) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'price.amount must be a non-negative integer of minor units');
    if (!CURRENCY.test(cmd.price?.currency ?? '')) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'price.currency must be an ISO 4217 code');
    const slug = cmd.slug ? slugify(cmd.slug) : slugify(name);
    if (!slug) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'slug must contain letters or digits');
    const now = new Date();
    const product = Object.assign(new Product(), {
      id: newId(),
      slug,
      name,
      description: cmd.description ?? '',
      priceAmount: cmd.price.amount,
      priceCurrency: cmd.price.currency,
      status: cmd.status ?? 'ACTIVE',
      sellerId: cmd.sellerId ?? null,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.insert(Product, product);
        await this.outbox.add(manager, 'product.created', product.id, {
          productId: product.id,
          slug: product.slug,
          name: product.name,
          price: { amount: product.priceAmount, currency: product.priceCurrency },
          status: product.status,
          sellerId: product.sellerId,
        });
      });
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new DomainError(ErrorCodes.PRODUCT_SLUG_TAKEN, `The slug "${slug}" is taken`);
      throw err;
    }
    return toView({ ...product, version: 1 });
  }

  async count(): Promise<number> {
    return this.dataSource.getRepository(Product).count();
  }
}
