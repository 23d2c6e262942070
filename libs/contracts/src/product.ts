/** Money as an integer number of minor units and an ISO 4217 currency code. */
export interface Money {
  amount: number;
  currency: string;
}

export type ProductStatus = 'DRAFT' | 'ACTIVE' | 'ARCHIVED';

export interface ProductView {
  id: string;
  slug: string;
  name: string;
  description: string;
  price: Money;
  status: ProductStatus;
  sellerId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface GetProduct {
  /** A product id (UUID) or its slug. */
  idOrSlug: string;
}

export interface ListProducts {
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
  price: Money;
  status?: ProductStatus;
  sellerId?: string | null;
}

export interface ProductCreated {
  productId: string;
  slug: string;
  name: string;
  price: Money;
  status: ProductStatus;
  sellerId: string | null;
}

/** The cart service's local copy of a product, kept up to date from catalog events. */
export interface ProductSnapshotView {
  productId: string;
  name: string;
  price: Money;
  status: ProductStatus;
  updatedAt: string;
}
