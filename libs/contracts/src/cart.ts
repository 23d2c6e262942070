import type { Money } from './product.js';

export interface CartLineView {
  productId: string;
  name: string;
  quantity: number;
  /** The price seen when the line was added: what the customer agreed to look at. */
  unitPrice: Money;
  /** The catalog's price now (or the last one known, when the cart is stale). */
  currentPrice: Money;
  priceChanged: boolean;
  /** Archived or no longer active: cannot be checked out. */
  unavailable: boolean;
  lineTotal: Money;
}

export interface CartView {
  customerId: string;
  lines: CartLineView[];
  /** One total per currency, at current prices. */
  totals: Money[];
  /** True when the catalog could not be asked and last known data is shown. */
  stale: boolean;
  updatedAt: string | null;
}

export interface AddCartItem {
  productId: string;
  quantity: number;
}

export type UpdateCartItem = AddCartItem;

export interface CartItemRef {
  productId: string;
}
