import { Inject, Injectable, Logger } from '@nestjs/common';
import { requireRole } from '@shop/auth';
import { type Actor, type CartLineView, type CartView, DomainError, ErrorCodes, type Money, type ProductView, byCodeUnits } from '@shop/contracts';
import { isDeadlockError, isDuplicateKeyError, retryTransaction } from '@shop/database';
import { RpcClient } from '@shop/messaging';
import { DataSource } from 'typeorm';
import { ProductSnapshot } from '../catalog-snapshot/product-snapshot.entity.js';
import { ProductSnapshotsService } from '../catalog-snapshot/product-snapshots.service.js';
import { CartLine } from './cart-line.entity.js';

export interface CartLimits {
  maxQuantityPerLine: number;
  maxLines: number;
  /** How long a cart read waits for the catalog before showing last known data. */
  catalogTimeoutMs: number;
}
export const CART_LIMITS = Symbol('CART_LIMITS');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkProductId(productId: unknown): asserts productId is string {
  if (typeof productId !== 'string' || !UUID.test(productId)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'productId must be a product id', { errors: ['productId'] });
}

function factsOf(products: Iterable<ProductView>): Map<string, CurrentFacts> {
  return new Map([...products].map((p) => [p.id, { name: p.name, price: p.price, active: p.status === 'ACTIVE' }]));
}

/** The cart line changed between its read and its write (another add of the same product). */
class LineChanged extends Error {}

interface CurrentFacts {
  name: string;
  price: Money;
  active: boolean;
}

/** One cart per customer; sellers and admins have none, and a customer only ever touches their own. */
@Injectable()
export class CartService {
  private readonly logger = new Logger('CartService');

  constructor(
    private readonly dataSource: DataSource,
    private readonly rpc: RpcClient,
    private readonly snapshots: ProductSnapshotsService,
    @Inject(CART_LIMITS) private readonly limits: CartLimits,
  ) {}

  async get(actor: Actor | undefined): Promise<CartView> {
    return this.view(requireRole(actor, 'CUSTOMER').userId);
  }

  /** Adds units of a product (or more units to its line), checked against the catalog now. */
  async add(actor: Actor | undefined, productId: string, quantity: number): Promise<CartView> {
    const customerId = requireRole(actor, 'CUSTOMER').userId;
    this.checkQuantity(quantity);
    checkProductId(productId);
    // One catalog call answers for the product added and for every line of the cart shown after it.
    const before = await this.lines(customerId);
    const { product, catalog } = await this.forSale(productId, before);
    // The fallback copy of the product's facts is a cache: refreshed on its own, not with the line.
    await this.snapshots.refresh({ productId, name: product.name, price: product.price, status: product.status }, new Date(product.updatedAt));
    // Two adds at once (a double click, two tabs) both count: the line is written only if it is as read (one
    // statement, no transaction needed), else read again. The lines read above serve the first attempt.
    const m = this.dataSource.manager;
    let attempts = 0;
    const after = await retryTransaction(
      async () => {
        const lines = attempts++ === 0 ? before : await this.lines(customerId);
        const line = lines.find((l) => l.productId === productId);
        const total = (line?.quantity ?? 0) + quantity;
        this.checkQuantity(total);
        if (total > product.available) throw new DomainError(ErrorCodes.STOCK_INSUFFICIENT, `only ${product.available} available`, { available: product.available });
        if (!line && lines.length >= this.limits.maxLines) throw new DomainError(ErrorCodes.CART_LIMIT, `a cart holds at most ${this.limits.maxLines} products`);
        const now = new Date();
        if (line) {
          const { affected } = await m.update(CartLine, { customerId, productId, quantity: line.quantity }, { quantity: total, updatedAt: now });
          if (!affected) throw new LineChanged();
          return lines.map((l) => (l === line ? Object.assign(new CartLine(), l, { quantity: total, updatedAt: now }) : l));
        }
        const added = Object.assign(new CartLine(), { customerId, productId, quantity, unitPriceAmount: product.price.amount, unitPriceCurrency: product.price.currency, addedAt: now, updatedAt: now });
        await m.insert(CartLine, added);
        return [...lines, added];
      },
      (err) => isDeadlockError(err) || isDuplicateKeyError(err) || err instanceof LineChanged,
    );
    // After a retry the cart may hold lines the catalog was not asked about: show it afresh.
    return attempts === 1 ? this.render(customerId, after, factsOf(catalog.values()), false) : this.view(customerId);
  }

  /** Sets a line's quantity (0 removes it). */
  async update(actor: Actor | undefined, productId: string, quantity: number): Promise<CartView> {
    const customerId = requireRole(actor, 'CUSTOMER').userId;
    if (quantity === 0) return this.remove(actor, productId);
    this.checkQuantity(quantity);
    const line = await this.dataSource.getRepository(CartLine).findOneBy({ customerId, productId: String(productId) });
    if (!line) throw new DomainError(ErrorCodes.CART_ITEM_NOT_FOUND, 'this product is not in the cart');
    if (quantity > line.quantity) {
      const { product } = await this.forSale(productId);
      if (quantity > product.available) throw new DomainError(ErrorCodes.STOCK_INSUFFICIENT, `only ${product.available} available`, { available: product.available });
    }
    await this.dataSource.getRepository(CartLine).update({ customerId, productId }, { quantity, updatedAt: new Date() });
    return this.view(customerId);
  }

  async remove(actor: Actor | undefined, productId: string): Promise<CartView> {
    const customerId = requireRole(actor, 'CUSTOMER').userId;
    const result = await this.dataSource.getRepository(CartLine).delete({ customerId, productId: String(productId) });
    if (!result.affected) throw new DomainError(ErrorCodes.CART_ITEM_NOT_FOUND, 'this product is not in the cart');
    return this.view(customerId);
  }

  async clear(actor: Actor | undefined): Promise<CartView> {
    const customerId = requireRole(actor, 'CUSTOMER').userId;
    await this.dataSource.getRepository(CartLine).delete({ customerId });
    return this.view(customerId);
  }

  private checkQuantity(quantity: number): void {
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > this.limits.maxQuantityPerLine) {
      throw new DomainError(ErrorCodes.VALIDATION_FAILED, `quantity must be 1 to ${this.limits.maxQuantityPerLine}`, { errors: ['quantity'] });
    }
  }

  /**
   * The catalog's word on a product (an id already checked: add checks it,
   * update finds it in the cart), now, with the other products of `lines` in
   * the same call: unknown products are refused rather than guessed.
   */
  private async forSale(productId: string, lines: CartLine[] = []): Promise<{ product: ProductView; catalog: Map<string, ProductView> }> {
    const catalog = await this.catalog([...new Set([...lines.map((l) => l.productId), productId])]).catch(() => {
      throw new DomainError(ErrorCodes.SERVICE_UNAVAILABLE, 'the catalog cannot be reached to check this product; try again shortly');
    });
    const product = catalog.get(productId);
    if (!product) throw new DomainError(ErrorCodes.PRODUCT_NOT_FOUND, 'no such product');
    if (product.status !== 'ACTIVE') throw new DomainError(ErrorCodes.PRODUCT_UNAVAILABLE, 'this product is not for sale');
    return { product, catalog };
  }

  private lines(customerId: string): Promise<CartLine[]> {
    return this.dataSource.getRepository(CartLine).find({ where: { customerId }, order: { addedAt: 'ASC', productId: 'ASC' } });
  }

  /** The catalog's word on these products, now (unknown and hidden ones left out). */
  private async catalog(productIds: string[]): Promise<Map<string, ProductView>> {
    const products = await this.rpc.send('product.getMany', { productIds }, { timeoutMs: this.limits.catalogTimeoutMs });
    return new Map(products.map((p) => [p.id, p]));
  }

  /** The cart at current prices; last known data (marked stale) when the catalog does not answer in time. */
  private async view(customerId: string): Promise<CartView> {
    const lines = await this.lines(customerId);
    if (!lines.length) return this.render(customerId, lines, new Map(), false);
    const ids = lines.map((l) => l.productId);
    try {
      // The fallback copy is kept by catalog events (and by add): no write on a read.
      return this.render(customerId, lines, factsOf((await this.catalog(ids)).values()), false);
    } catch (err) {
      this.logger.warn({ msg: 'catalog unavailable; showing the cart from last known data', err: err instanceof Error ? err.message : String(err) });
      const known = await this.snapshots.many(ids);
      const facts = new Map([...known].map(([id, s]: [string, ProductSnapshot]) => [id, { name: s.name, price: { amount: s.priceAmount, currency: s.priceCurrency }, active: s.status === 'ACTIVE' }]));
      return this.render(customerId, lines, facts, true);
    }
  }

  private render(customerId: string, lines: CartLine[], facts: Map<string, CurrentFacts>, stale: boolean): CartView {
    const views: CartLineView[] = lines.map((l) => {
      const unitPrice = { amount: l.unitPriceAmount, currency: l.unitPriceCurrency };
      const current = facts.get(l.productId);
      const currentPrice = current?.price ?? unitPrice;
      return {
        productId: l.productId,
        name: current?.name ?? '(unknown product)',
        quantity: l.quantity,
        unitPrice,
        currentPrice,
        priceChanged: currentPrice.amount !== unitPrice.amount || currentPrice.currency !== unitPrice.currency,
        // A product the catalog no longer shows (archived, unpublished, deleted) cannot be bought.
        unavailable: !current?.active,
        lineTotal: { amount: currentPrice.amount * l.quantity, currency: currentPrice.currency },
      };
    });
    const totals = new Map<string, number>();
    for (const v of views) if (!v.unavailable) totals.set(v.lineTotal.currency, (totals.get(v.lineTotal.currency) ?? 0) + v.lineTotal.amount);
    const updatedAt = lines.reduce<Date | null>((max, l) => (!max || l.updatedAt > max ? l.updatedAt : max), null);
    return {
      customerId,
      lines: views,
      totals: [...totals].sort(([a], [b]) => byCodeUnits(a, b)).map(([currency, amount]) => ({ amount, currency })),
      stale,
      updatedAt: updatedAt?.toISOString() ?? null,
    };
  }
}
