import type { Money, ReservationLine } from './product.js';

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'PAID', 'SHIPPED', 'DELIVERED', 'REJECTED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses an order never leaves. */
export const FINAL_ORDER_STATUSES: readonly OrderStatus[] = ['DELIVERED', 'REJECTED', 'CANCELLED'];

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface Checkout {
  /** The client's `Idempotency-Key`, scoped to the caller. */
  idempotencyKey: string;
  shippingAddress: ShippingAddress;
}

export interface OrderLineView {
  productId: string;
  sellerId: string | null;
  name: string;
  quantity: number;
  unitPrice: Money;
  lineTotal: Money;
  shipment: ShipmentView | null;
}

export interface ShipmentView {
  carrier: string;
  trackingNumber: string;
  shippedAt: string;
  deliveredAt: string | null;
}

export interface PaymentView {
  id: string;
  outcome: PaymentOutcome;
  amount: Money;
  /** The token's last characters, never the token. */
  method: string;
  providerReference: string | null;
  createdAt: string;
}

export type PaymentOutcome = 'SUCCEEDED' | 'DECLINED' | 'TIMEOUT' | 'REFUNDED';

export interface OrderHistoryEntry {
  at: string;
  /** `user:<id>`, `service:<name>` or `system`. */
  actor: string;
  from: OrderStatus | null;
  to: OrderStatus;
  reason: string;
}

export interface OrderView {
  id: string;
  customerId: string;
  status: OrderStatus;
  lines: OrderLineView[];
  total: Money;
  shippingAddress: ShippingAddress;
  /** Until when a CONFIRMED order waits for its payment. */
  paymentDueAt: string | null;
  /** Why it was rejected or cancelled. */
  reason: string | null;
  payments: PaymentView[];
  history: OrderHistoryEntry[];
  createdAt: string;
  updatedAt: string;
}

export interface OrderSummary {
  id: string;
  customerId: string;
  status: OrderStatus;
  total: Money;
  lineCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface CheckoutResult {
  order: OrderView;
  /** True when this answer replays the first one for the same idempotency key. */
  replayed: boolean;
}

export interface ListOrders {
  status?: OrderStatus;
  /** ISO dates: orders created at or after `from` and before `to`. */
  from?: string;
  to?: string;
  page?: number;
  pageSize?: number;
}

export interface OrderIdRef {
  orderId: string;
}

export interface PayOrder {
  orderId: string;
  /** A payment method token of the (simulated) provider. */
  paymentToken: string;
}

export interface CancelOrder {
  orderId: string;
  reason?: string;
}

export interface ShipOrder {
  orderId: string;
  carrier: string;
  trackingNumber: string;
}

// ---- events on order.events ----

export interface OrderEventLine extends ReservationLine {
  sellerId: string | null;
}

export interface OrderCreated {
  orderId: string;
  customerId: string;
  lines: OrderEventLine[];
  total: Money;
  /** How long the product service holds the reservation unless committed. */
  holdSeconds: number;
}

export interface OrderStatusChanged {
  orderId: string;
  customerId: string;
  customerEmail: string;
  status: OrderStatus;
  lines: OrderEventLine[];
  total: Money;
  reason: string | null;
}

// ---- events on inventory.events ----

export interface InventoryReserved {
  orderId: string;
  lines: ReservationLine[];
  expiresAt: string;
}

export interface InventoryRejected {
  orderId: string;
  /** The lines that could not be reserved, with what was available. */
  lines: Array<ReservationLine & { available: number }>;
  reason: string;
}
