/** Money as an integer number of minor units and an ISO 4217 currency code. */
export interface Money {
  amount: number;
  currency: string;
}

export type ProductStatus = 'DRAFT' | 'ACTIVE' | 'ARCHIVED';
export const PRODUCT_STATUSES: readonly ProductStatus[] = ['DRAFT', 'ACTIVE', 'ARCHIVED'];

export interface ProductView {
  id: string;
  slug: string;
  name: string;
  description: string;
  categoryId: string | null;
  price: Money;
  images: string[];
  attributes: Record<string, string>;
  status: ProductStatus;
  sellerId: string | null;
  /** Units that can be ordered now (on hand minus reserved). */
  available: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A product in a list: what a catalog page shows, nothing more. */
export interface ProductSummary {
  id: string;
  slug: string;
  name: string;
  categoryId: string | null;
  price: Money;
  image: string | null;
  status: ProductStatus;
  sellerId: string | null;
  available: number;
  createdAt: string;
}

export interface GetProduct {
  /** A product id (UUID) or its slug. */
  idOrSlug: string;
}

export interface GetProducts {
  productIds: string[];
}

export const PRODUCT_SORTS = ['newest', 'price_asc', 'price_desc', 'name'] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

export interface ListProducts {
  /** Words searched in name and description. */
  q?: string;
  /** A category; its subcategories are included. */
  categoryId?: string;
  minPrice?: number;
  maxPrice?: number;
  sellerId?: string;
  inStock?: boolean;
  /** Sellers and admins: DRAFT/ARCHIVED too (sellers: their own only). */
  status?: ProductStatus;
  sort?: ProductSort;
  page?: number;
  pageSize?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface CreateProduct {
  name: string;
  slug?: string;
  description?: string;
  categoryId?: string | null;
  price: Money;
  images?: string[];
  attributes?: Record<string, string>;
  status?: ProductStatus;
  /** Admins and services only; a seller's products are always their own. */
  sellerId?: string | null;
  /** Initial stock on hand. */
  stock?: number;
}

export interface UpdateProduct {
  productId: string;
  /** Optimistic concurrency: the version the caller last saw. */
  expectedVersion?: number;
  name?: string;
  description?: string;
  categoryId?: string | null;
  price?: Money;
  images?: string[];
  attributes?: Record<string, string>;
  status?: ProductStatus;
}

export interface CategoryView {
  id: string;
  slug: string;
  name: string;
  parentId: string | null;
  /** Active products in this category and its subcategories. */
  productCount: number;
}

export interface CreateCategory {
  name: string;
  slug?: string;
  parentId?: string | null;
}

export interface UpdateCategory {
  categoryId: string;
  name?: string;
  parentId?: string | null;
}

export interface StockView {
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
}

export interface AdjustStock {
  productId: string;
  /** `set`: on hand becomes `quantity`; `delta`: on hand changes by `quantity`. */
  mode: 'set' | 'delta';
  quantity: number;
  reason: string;
}

export interface StockMovementView {
  id: string;
  productId: string;
  onHandDelta: number;
  reservedDelta: number;
  onHandAfter: number;
  reservedAfter: number;
  reason: string;
  actorId: string | null;
  orderId: string | null;
  createdAt: string;
}

export interface ReservationLine {
  productId: string;
  quantity: number;
}

export interface ReserveStock {
  orderId: string;
  lines: ReservationLine[];
  /** Released by the sweeper after this long unless committed. */
  ttlSeconds?: number;
}

export type ReservationStatus = 'RESERVED' | 'RELEASED' | 'COMMITTED';

export interface ReservationView {
  orderId: string;
  status: ReservationStatus;
  lines: ReservationLine[];
  expiresAt: string;
}

export interface OrderRef {
  orderId: string;
}

export interface ProductCreated {
  productId: string;
  slug: string;
  name: string;
  price: Money;
  status: ProductStatus;
  sellerId: string | null;
}

/** The product's catalog facts after any change (name, price, status...). */
export type ProductUpdated = ProductCreated;

export interface ProductPriceChanged {
  productId: string;
  previousPrice: Money;
  price: Money;
}

export interface ProductArchived {
  productId: string;
}

export interface StockChanged {
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
  reason: string;
}

/** The cart service's local copy of a product, kept up to date from catalog events. */
export interface ProductSnapshotView {
  productId: string;
  name: string;
  price: Money;
  status: ProductStatus;
  updatedAt: string;
}
