import type { OrderStatus, PaymentOutcome } from '@shop/contracts';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An order and its saga state: where it is, and when the saga looks at it next. */
@Entity('orders')
@Index('idx_orders_customer', ['customerId', 'createdAt'])
@Index('idx_orders_due', ['nextCheckAt'])
@Index('idx_orders_status', ['status', 'createdAt'])
export class Order {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'customer_id', type: 'varchar', length: 36 })
  customerId!: string;

  @Column({ name: 'customer_email', type: 'varchar', length: 254 })
  customerEmail!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: OrderStatus;

  @Column({ name: 'total_amount', type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  totalAmount!: number;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  /** JSON of the ShippingAddress. */
  @Column({ name: 'shipping_address', type: 'text' })
  shippingAddress!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason!: string | null;

  @Column({ name: 'payment_due_at', type: 'datetime', precision: 3, nullable: true })
  paymentDueAt!: Date | null;

  /** A payment in flight holds the order until then (one payment at a time). */
  @Column({ name: 'payment_lock_until', type: 'datetime', precision: 3, nullable: true })
  paymentLockUntil!: Date | null;

  /** When the saga timer looks at the order next (inventory answer overdue, payment window over); null when nothing is pending. */
  @Column({ name: 'next_check_at', type: 'datetime', precision: 3, nullable: true })
  nextCheckAt!: Date | null;

  /** How many times order.created was sent to the inventory. */
  @Column({ name: 'reservation_attempts', type: 'integer', default: 1 })
  reservationAttempts!: number;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}

@Entity('order_lines')
@Index('idx_order_lines_seller', ['sellerId', 'orderId'])
export class OrderLine {
  @PrimaryColumn({ name: 'order_id', type: 'varchar', length: 36 })
  orderId!: string;

  @PrimaryColumn({ name: 'product_id', type: 'varchar', length: 36 })
  productId!: string;

  @Column({ name: 'seller_id', type: 'varchar', length: 36, nullable: true })
  sellerId!: string | null;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'integer' })
  quantity!: number;

  @Column({ name: 'unit_amount', type: 'integer' })
  unitAmount!: number;

  @Column({ type: 'varchar', length: 40, nullable: true })
  carrier!: string | null;

  @Column({ name: 'tracking_number', type: 'varchar', length: 64, nullable: true })
  trackingNumber!: string | null;

  @Column({ name: 'shipped_at', type: 'datetime', precision: 3, nullable: true })
  shippedAt!: Date | null;

  @Column({ name: 'delivered_at', type: 'datetime', precision: 3, nullable: true })
  deliveredAt!: Date | null;
}

@Entity('order_history')
@Index('idx_order_history_order', ['orderId', 'at'])
export class OrderHistory {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'order_id', type: 'varchar', length: 36 })
  orderId!: string;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;

  @Column({ type: 'varchar', length: 80 })
  actor!: string;

  @Column({ name: 'from_status', type: 'varchar', length: 16, nullable: true })
  fromStatus!: OrderStatus | null;

  @Column({ name: 'to_status', type: 'varchar', length: 16 })
  toStatus!: OrderStatus;

  @Column({ type: 'varchar', length: 500 })
  reason!: string;
}

@Entity('payments')
@Index('idx_payments_order', ['orderId', 'createdAt'])
export class Payment {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'order_id', type: 'varchar', length: 36 })
  orderId!: string;

  @Column({ type: 'varchar', length: 16 })
  outcome!: PaymentOutcome;

  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  amount!: number;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  @Column({ type: 'varchar', length: 32 })
  method!: string;

  @Column({ name: 'provider_reference', type: 'varchar', length: 64, nullable: true })
  providerReference!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}

/** One client request under an `Idempotency-Key`, scoped to the user, with the answer to replay. */
@Entity('idempotency_keys')
@Index('idx_idempotency_expiry', ['expiresAt'])
export class IdempotencyRecord {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @PrimaryColumn({ name: 'idem_key', type: 'varchar', length: 255 })
  key!: string;

  @Column({ name: 'request_hash', type: 'varchar', length: 64 })
  requestHash!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: 'IN_PROGRESS' | 'DONE';

  /** JSON: `{ status: 201, body }` or `{ error: { code, message, details } }`. */
  @Column({ type: 'text', nullable: true })
  response!: string | null;

  /** An IN_PROGRESS claim older than this was left by a crashed process and may be taken over. */
  @Column({ name: 'locked_until', type: 'datetime', precision: 3 })
  lockedUntil!: Date;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;
}
