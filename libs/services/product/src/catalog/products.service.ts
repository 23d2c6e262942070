import { Injectable } from '@nestjs/common';
import { hasRole, requireRole } from '@shop/auth';
import {
  type Actor,
  type CreateProduct,
  DomainError,
  ErrorCodes,
  type ListProducts,
  PRODUCT_SORTS,
  PRODUCT_STATUSES,
  type Page,
  type ProductStatus,
  type ProductSummary,
  type ProductView,
  type UpdateProduct,
  newId,
} from '@shop/contracts';
import { fromSqlTimestamp, isDuplicateKeyError } from '@shop/database';
import { OutboxService } from '@shop/messaging';
import { DataSource, type EntityManager } from 'typeorm';
import { InventoryService, assertCanManage } from '../inventory/inventory.service.js';
import { Category } from './category.entity.js';
import { Product } from './product.entity.js';

export const MAX_PAGE_SIZE = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURRENCY = /^[A-Z]{3}$/;
const MAX_PRICE = 100_000_000_00;

export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 150);
}

function parseJson<T>(raw: string | null, fallback: T): T {
  if (!raw) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
}

export function toView(p: Product, available: number): ProductView {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    description: p.description,
    categoryId: p.categoryId,
    price: { amount: p.priceAmount, currency: p.priceCurrency },
    images: parseJson<string[]>(p.images, []),
    attributes: parseJson<Record<string, string>>(p.attributes, {}),
    status: p.status,
    sellerId: p.sellerId,
    available,
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/** Who may see a product that is not active: its seller and admins. */
function canSeeUnpublished(actor: Actor | undefined, p: Pick<Product, 'sellerId'>): boolean {
  if (actor?.kind === 'service') return true;
  return hasRole(actor, 'ADMIN') || (hasRole(actor, 'SELLER') && actor?.kind === 'user' && p.sellerId === actor.userId);
}

/** A product and its stock in one row, as get() and getMany() read them (raw: no entity hydration on the hottest reads). */
const VIEW_SELECT = `SELECT p.id AS id, p.slug AS slug, p.name AS name, p.description AS description, p.category_id AS category_id, p.images AS images, p.attributes AS attributes,
       p.price_amount AS price_amount, p.price_currency AS price_currency, p.status AS status, p.seller_id AS seller_id,
       p.created_at AS created_at, p.updated_at AS updated_at, p.version AS version, COALESCE(s.on_hand - s.reserved, 0) AS available
  FROM products p LEFT JOIN stock s ON s.product_id = p.id`;

type ViewRow = Record<string, unknown>;

/** ACTIVE products for everyone, the others for their seller and admins. */
function visibleTo(actor: Actor | undefined, row: ViewRow): boolean {
  return row['status'] === 'ACTIVE' || canSeeUnpublished(actor, { sellerId: (row['seller_id'] as string | null) ?? null });
}

function viewOfRow(row: ViewRow): ProductView {
  const product = Object.assign(new Product(), {
    id: String(row['id']),
    slug: String(row['slug']),
    name: String(row['name']),
    description: String(row['description']),
    categoryId: (row['category_id'] as string | null) ?? null,
    images: (row['images'] as string | null) ?? null,
    attributes: (row['attributes'] as string | null) ?? null,
    priceAmount: Number(row['price_amount']),
    priceCurrency: String(row['price_currency']),
    status: row['status'] as ProductStatus,
    sellerId: (row['seller_id'] as string | null) ?? null,
    createdAt: fromSqlTimestamp(row['created_at'] as string | Date)!,
    updatedAt: fromSqlTimestamp(row['updated_at'] as string | Date)!,
    version: Number(row['version']),
  });
  return toView(product, Number(row['available']));
}

@Injectable()
export class ProductsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly inventory: InventoryService,
  ) {}

  /** Active products for everyone; drafts and archived ones for their seller and admins only (404 to others). */
  async get(actor: Actor | undefined, idOrSlug: string): Promise<ProductView> {
    if (typeof idOrSlug !== 'string' || !idOrSlug || idOrSlug.length > 160) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'idOrSlug is required');
    // One round trip for the product and its stock, no entity hydration: the hottest read of the catalog.
    const [row] = (await this.dataSource.query(`${VIEW_SELECT} WHERE ${UUID.test(idOrSlug) ? 'p.id' : 'p.slug'} = ?`, [idOrSlug])) as ViewRow[];
    if (!row || !visibleTo(actor, row)) {
      throw new DomainError(ErrorCodes.PRODUCT_NOT_FOUND, `No product "${idOrSlug}"`);
    }
    return viewOfRow(row);
  }

  /** Several products at once (cart pricing); unknown or hidden ones are left out. */
  async getMany(actor: Actor | undefined, productIds: string[]): Promise<ProductView[]> {
    if (!Array.isArray(productIds) || productIds.length > 200) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'productIds must hold at most 200 ids');
    const ids = [...new Set(productIds.filter((id) => typeof id === 'string' && UUID.test(id)))];
    if (!ids.length) return [];
    const rows = (await this.dataSource.query(`${VIEW_SELECT} WHERE p.id IN (${ids.map(() => '?').join(', ')})`, ids)) as ViewRow[];
    return rows.filter((r) => visibleTo(actor, r)).map(viewOfRow);
  }

  /**
   * Search, filters, sort and pages: a count, then the page's ids, then the
   * columns a list shows for those ids only (no entity hydration, no per-row lookups).
   */
  async list(actor: Actor | undefined, q: ListProducts): Promise<Page<ProductSummary>> {
    const page = Math.max(1, Math.floor(Number(q.page ?? 1)) || 1);
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(Number(q.pageSize ?? 20)) || 20));
    const sort = q.sort ?? 'newest';
    if (!PRODUCT_SORTS.includes(sort)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, `sort must be one of ${PRODUCT_SORTS.join(', ')}`, { errors: ['sort'] });
    const status: ProductStatus = q.status ?? 'ACTIVE';
    if (!PRODUCT_STATUSES.includes(status)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'status is not a product status');
    const qb = this.dataSource.getRepository(Product).createQueryBuilder('p').where('p.status = :status', { status });
    if (status !== 'ACTIVE') {
      // Unpublished products: a seller sees their own, an admin all of them.
      const user = requireRole(actor, 'SELLER', 'ADMIN');
      if (!user.roles.includes('ADMIN')) qb.andWhere('p.seller_id = :me', { me: user.userId });
    }
    if (q.q) {
      const words = String(q.q).trim().toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8);
      words.forEach((w, i) => {
        // `!` escapes the wildcards: a backslash is an escape in MySQL's string literals but not in SQLite's, so `ESCAPE '\\'` cannot serve both.
        const like = `%${w.replace(/[%_!]/g, (c) => `!${c}`)}%`;
        qb.andWhere(`(LOWER(p.name) LIKE :w${i} ESCAPE '!' OR LOWER(p.description) LIKE :w${i} ESCAPE '!')`, { [`w${i}`]: like });
      });
    }
    if (q.categoryId) {
      const category = await this.dataSource.getRepository(Category).findOneBy({ id: q.categoryId });
      if (!category) return { items: [], total: 0, page, pageSize };
      qb.andWhere('p.category_id IN (SELECT c.id FROM categories c WHERE c.path LIKE :path)', { path: `${category.path}%` });
    }
    if (q.minPrice !== undefined) qb.andWhere('p.price_amount >= :min', { min: Number(q.minPrice) });
    if (q.maxPrice !== undefined) qb.andWhere('p.price_amount <= :max', { max: Number(q.maxPrice) });
    if (q.sellerId) qb.andWhere('p.seller_id = :seller', { seller: q.sellerId });
    // Stock is joined for the count and the page's ids only when it filters on them; the page always shows it.
    if (q.inStock) qb.leftJoin('stock', 's', 's.product_id = p.id').andWhere('COALESCE(s.on_hand - s.reserved, 0) > 0');
    const total = await qb.clone().getCount();
    const order: Record<string, [string, 'ASC' | 'DESC']> = {
      newest: ['p.created_at', 'DESC'],
      price_asc: ['p.price_amount', 'ASC'],
      price_desc: ['p.price_amount', 'DESC'],
      name: ['p.name', 'ASC'],
    };
    const [column, direction] = order[sort]!;
    // Deferred join: page through the ids alone, in the order of an index that covers the
    // filter and the sort (status, category, sort column: see CatalogListIndexes), then read the
    // shown columns and the stock of this page's rows only, not of every match.
    const [idsSql, params] = qb
      .select('p.id', 'id')
      .orderBy(column, direction)
      .addOrderBy('p.id', 'ASC')
      .offset((page - 1) * pageSize)
      .limit(pageSize)
      .getQueryAndParameters();
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT p.id AS id, p.slug AS slug, p.name AS name, p.category_id AS category_id, p.price_amount AS price_amount, p.price_currency AS price_currency,
              p.images AS images, p.status AS status, p.seller_id AS seller_id, p.created_at AS created_at, COALESCE(s.on_hand - s.reserved, 0) AS available
         FROM (${idsSql}) page_ids
         JOIN products p ON p.id = page_ids.id
         LEFT JOIN stock s ON s.product_id = p.id
        ORDER BY ${column} ${direction}, p.id ASC`,
      params,
    );
    return {
      items: rows.map((r) => ({
        id: String(r['id']),
        slug: String(r['slug']),
        name: String(r['name']),
        categoryId: (r['category_id'] as string | null) ?? null,
        price: { amount: Number(r['price_amount']), currency: String(r['price_currency']) },
        image: parseJson<string[]>(r['images'] as string | null, [])[0] ?? null,
        status: r['status'] as ProductStatus,
        sellerId: (r['seller_id'] as string | null) ?? null,
        available: Number(r['available']),
        createdAt: fromSqlTimestamp(r['created_at'] as string | Date)!.toISOString(),
      })),
      total,
      page,
      pageSize,
    };
  }

  /** A seller creates their own products; an admin or a service may name the seller. */
  async createAs(actor: Actor | undefined, cmd: CreateProduct): Promise<ProductView> {
    if (actor?.kind === 'service') return this.create(cmd, actor);
    const user = requireRole(actor, 'SELLER', 'ADMIN');
    return this.create(user.roles.includes('ADMIN') ? cmd : { ...cmd, sellerId: user.userId }, actor);
  }

  /** Creates a product with its stock and emits `product.created` in the same transaction. */
  async create(cmd: CreateProduct, actor?: Actor, manager?: EntityManager): Promise<ProductView> {
    const fields = this.validate(cmd, true);
    const now = new Date();
    const product = Object.assign(new Product(), {
      id: newId(),
      slug: cmd.slug ? slugify(cmd.slug) : slugify(fields.name!),
      name: fields.name!,
      description: fields.description ?? '',
      categoryId: fields.categoryId ?? null,
      priceAmount: fields.price!.amount,
      priceCurrency: fields.price!.currency,
      images: JSON.stringify(fields.images ?? []),
      attributes: JSON.stringify(fields.attributes ?? {}),
      status: fields.status ?? 'ACTIVE',
      sellerId: cmd.sellerId ?? null,
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    if (!product.slug) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'slug must contain letters or digits');
    const work = async (m: EntityManager) => {
      if (product.categoryId) await this.requireCategory(m, product.categoryId);
      await m.insert(Product, product);
      await this.inventory.initStock(m, product.id, cmd.stock ?? 0, actor);
      await this.outbox.add(m, 'product.created', product.id, this.facts(product));
    };
    try {
      await (manager ? work(manager) : this.dataSource.transaction(work));
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new DomainError(ErrorCodes.PRODUCT_SLUG_TAKEN, `The slug "${product.slug}" is taken`);
      throw err;
    }
    return toView(product, cmd.stock ?? 0);
  }

  /** Edits a product (its seller or an admin), checking the version when given; emits what changed. */
  async update(actor: Actor | undefined, cmd: UpdateProduct): Promise<ProductView> {
    const fields = this.validate(cmd, false);
    return this.dataSource.transaction(async (manager) => {
      const product = typeof cmd.productId === 'string' ? await manager.findOneBy(Product, { id: cmd.productId }) : null;
      if (!product) throw new DomainError(ErrorCodes.PRODUCT_NOT_FOUND, 'no such product');
      assertCanManage(actor, product);
      if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== product.version) {
        throw new DomainError(ErrorCodes.PRODUCT_VERSION_CONFLICT, `the product is at version ${product.version}, not ${cmd.expectedVersion}`);
      }
      const previousPrice = { amount: product.priceAmount, currency: product.priceCurrency };
      const wasArchived = product.status === 'ARCHIVED';
      if (fields.categoryId) await this.requireCategory(manager, fields.categoryId);
      Object.assign(product, {
        ...(fields.name !== undefined ? { name: fields.name } : {}),
        ...(fields.description !== undefined ? { description: fields.description } : {}),
        ...(fields.categoryId !== undefined ? { categoryId: fields.categoryId } : {}),
        ...(fields.price ? { priceAmount: fields.price.amount, priceCurrency: fields.price.currency } : {}),
        ...(fields.images ? { images: JSON.stringify(fields.images) } : {}),
        ...(fields.attributes ? { attributes: JSON.stringify(fields.attributes) } : {}),
        ...(fields.status ? { status: fields.status } : {}),
        updatedAt: new Date(),
      });
      // Optimistic concurrency: the row is written only if nobody changed it since it was read.
      const result = await manager
        .createQueryBuilder()
        .update(Product)
        .set({ ...product, version: product.version + 1 })
        .where('id = :id AND version = :version', { id: product.id, version: product.version })
        .execute();
      if (result.affected !== 1) throw new DomainError(ErrorCodes.PRODUCT_VERSION_CONFLICT, 'the product changed meanwhile; reload it');
      product.version += 1;
      await this.outbox.add(manager, 'product.updated', product.id, this.facts(product));
      if (previousPrice.amount !== product.priceAmount || previousPrice.currency !== product.priceCurrency) {
        await this.outbox.add(manager, 'product.price-changed', product.id, { productId: product.id, previousPrice, price: { amount: product.priceAmount, currency: product.priceCurrency } });
      }
      if (!wasArchived && product.status === 'ARCHIVED') await this.outbox.add(manager, 'product.archived', product.id, { productId: product.id });
      const available = await this.inventory.availability(manager, [product.id]);
      return toView(product, available.get(product.id) ?? 0);
    });
  }

  async count(): Promise<number> {
    return this.dataSource.getRepository(Product).count();
  }

  private facts(p: Product) {
    return { productId: p.id, slug: p.slug, name: p.name, price: { amount: p.priceAmount, currency: p.priceCurrency }, status: p.status, sellerId: p.sellerId };
  }

  private async requireCategory(manager: EntityManager, id: string): Promise<void> {
    if (!(await manager.existsBy(Category, { id }))) throw new DomainError(ErrorCodes.CATEGORY_NOT_FOUND, 'no such category');
  }

  /** Checks the fields present; on create, name and price are required. */
  private validate(cmd: Partial<CreateProduct & UpdateProduct>, creating: boolean): Partial<CreateProduct> {
    const bad = (msg: string, field: string): never => {
      throw new DomainError(ErrorCodes.VALIDATION_FAILED, msg, { errors: [field] });
    };
    const out: Partial<CreateProduct> = {};
    if (creating || cmd.name !== undefined) {
      const name = typeof cmd.name === 'string' ? cmd.name.trim() : '';
      if (!name || name.length > 200) bad('name must be 1 to 200 characters', 'name');
      out.name = name;
    }
    if (cmd.description !== undefined) {
      if (typeof cmd.description !== 'string' || cmd.description.length > 10_000) bad('description must be at most 10000 characters', 'description');
      out.description = cmd.description;
    }
    if (creating || cmd.price !== undefined) {
      const price = cmd.price;
      if (!price || !Number.isInteger(price.amount) || price.amount < 0 || price.amount > MAX_PRICE) bad('price.amount must be a non-negative integer of minor units', 'price.amount');
      if (!CURRENCY.test(price?.currency ?? '')) bad('price.currency must be an ISO 4217 code', 'price.currency');
      out.price = { amount: price!.amount, currency: price!.currency };
    }
    if (cmd.categoryId !== undefined) {
      if (cmd.categoryId !== null && (typeof cmd.categoryId !== 'string' || !UUID.test(cmd.categoryId))) bad('categoryId must be a category id', 'categoryId');
      out.categoryId = cmd.categoryId;
    }
    if (cmd.images !== undefined) {
      if (!Array.isArray(cmd.images) || cmd.images.length > 20 || cmd.images.some((u) => typeof u !== 'string' || !/^https:\/\/\S{1,500}$/.test(u))) bad('images must be up to 20 https URLs', 'images');
      out.images = cmd.images;
    }
    if (cmd.attributes !== undefined) {
      const entries = typeof cmd.attributes === 'object' && cmd.attributes !== null ? Object.entries(cmd.attributes) : null;
      if (!entries || entries.length > 50 || entries.some(([k, v]) => !k || k.length > 60 || typeof v !== 'string' || v.length > 500)) bad('attributes must be up to 50 string values', 'attributes');
      out.attributes = cmd.attributes;
    }
    if (cmd.status !== undefined) {
      if (!PRODUCT_STATUSES.includes(cmd.status)) bad(`status must be one of ${PRODUCT_STATUSES.join(', ')}`, 'status');
      out.status = cmd.status;
    }
    return out;
  }
}
