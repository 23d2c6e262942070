import { Inject, Injectable } from '@nestjs/common';
import { requireRole, requireUser } from '@shop/auth';
import { LiveConfig } from '@shop/config-client';
import {
  byCodeUnits,
  type Actor,
  type CancelOrder,
  type Checkout,
  type CheckoutResult,
  DomainError,
  ErrorCodes,
  type ListOrders,
  ORDER_STATUSES,
  type OrderHistoryEntry,
  type OrderStatus,
  type OrderSummary,
  type OrderView,
  type Page,
  type PayOrder,
  type ShipOrder,
  type ShippingAddress,
  newId,
} from '@shop/contracts';
import { sqlTimestamp } from '@shop/database';
import { OutboxService, RpcClient } from '@shop/messaging';
import { DataSource, type EntityManager, In } from 'typeorm';
import { PaymentProvider, maskToken } from '../payments/payment-provider.js';
import { IdempotencyService, checkIdempotencyKey, requestHash } from './idempotency.service.js';
import { OrderLifecycle, actorLabel, eventLines, rolesOn, toOrderView } from './order-lifecycle.js';
import { ORDER_TRANSITIONS, type OrderAction, type OrderRole, isAllowed } from './order-transitions.js';
import { Order, OrderHistory, OrderLine, Payment } from './order.entities.js';
import { OrderMetrics } from './order.metrics.js';

export interface OrderSettings {
  /** How long the saga waits for the inventory's answer before sending order.created again. */
  inventoryTimeoutMs: number;
  /** How many times order.created is sent before the order is rejected. */
  inventoryMaxAttempts: number;
  /** A payment in flight holds the order at most this long. */
  paymentLockMs: number;
}
export const ORDER_SETTINGS = Symbol('ORDER_SETTINGS');

const DEFAULT_PAYMENT_WINDOW_MS = 900_000;
const MAX_PAGE_SIZE = 100;

/** Checkout, payment, the lifecycle actions and the views of orders. */
@Injectable()
export class OrdersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rpc: RpcClient,
    private readonly outbox: OutboxService,
    private readonly idempotency: IdempotencyService,
    private readonly lifecycle: OrderLifecycle,
    private readonly payments: PaymentProvider,
    private readonly metrics: OrderMetrics,
    private readonly live: LiveConfig,
    @Inject(ORDER_SETTINGS) private readonly settings: OrderSettings,
  ) {}

  /** The payment window now in effect (refreshable through the config server). */
  paymentWindowMs(): number {
    return this.live.int('order.payment-window-ms', DEFAULT_PAYMENT_WINDOW_MS);
  }

  /** How long the product service holds stock for an order: the answer's wait, the payment window and a margin. */
  holdSeconds(): number {
    return Math.ceil((this.settings.inventoryTimeoutMs * this.settings.inventoryMaxAttempts + this.paymentWindowMs()) / 1000) + 300;
  }

  // ---- checkout ----

  async checkout(actor: Actor | undefined, cmd: Checkout): Promise<CheckoutResult> {
    const customer = requireRole(actor, 'CUSTOMER');
    const key = checkIdempotencyKey(cmd?.idempotencyKey);
    const address = checkAddress(cmd?.shippingAddress);
    const claim = await this.idempotency.claim<OrderView>(customer.userId, key, requestHash({ shippingAddress: address }));
    if (claim.kind === 'replay') return { order: claim.body, replayed: true };
    try {
      const order = await this.placeOrder(customer.userId, key, address);
      return { order, replayed: false };
    } catch (err) {
      if (err instanceof DomainError && !RETRYABLE.has(err.code)) await this.idempotency.completeWithError(customer.userId, key, err);
      else await this.idempotency.abandon(customer.userId, key).catch(() => undefined);
      throw err;
    }
  }

  /** Prices the cart from the catalog now (never from the client) and stores the order with order.created, in one transaction. */
  private async placeOrder(customerId: string, key: string, address: ShippingAddress): Promise<OrderView> {
    const [cart, me] = await Promise.all([this.rpc.send('cart.get', {}), this.rpc.send('user.me', {})]);
    if (!cart.lines.length) throw new DomainError(ErrorCodes.ORDER_CART_EMPTY, 'the cart is empty');
    const products = new Map((await this.rpc.send('product.getMany', { productIds: cart.lines.map((l) => l.productId) })).map((p) => [p.id, p]));
    const unavailable = cart.lines.filter((l) => products.get(l.productId)?.status !== 'ACTIVE').map((l) => l.productId);
    if (unavailable.length) throw new DomainError(ErrorCodes.PRODUCT_UNAVAILABLE, 'some products in the cart can no longer be ordered', { productIds: unavailable });
    const currencies = new Set(cart.lines.map((l) => products.get(l.productId)!.price.currency));
    if (currencies.size !== 1) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'an order is paid in one currency; the cart holds several');
    const lines = cart.lines
      .map((l) => {
        const p = products.get(l.productId)!;
        return { productId: p.id, sellerId: p.sellerId, name: p.name.slice(0, 200), quantity: l.quantity, unitAmount: p.price.amount };
      })
      .sort((a, b) => byCodeUnits(a.productId, b.productId));
    const now = new Date();
    const order: Order = Object.assign(new Order(), {
      id: newId(),
      customerId,
      customerEmail: me.email,
      status: 'PENDING' as const,
      totalAmount: lines.reduce((n, l) => n + l.unitAmount * l.quantity, 0),
      currency: [...currencies][0]!,
      shippingAddress: JSON.stringify(address),
      reason: null,
      paymentDueAt: null,
      paymentLockUntil: null,
      nextCheckAt: new Date(now.getTime() + this.settings.inventoryTimeoutMs),
      reservationAttempts: 1,
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
    return this.dataSource.transaction(async (manager) => {
      await manager.insert(Order, order);
      const rows = lines.map((l) => Object.assign(new OrderLine(), { ...l, orderId: order.id, carrier: null, trackingNumber: null, shippedAt: null, deliveredAt: null }));
      await manager.insert(OrderLine, rows);
      const history = Object.assign(new OrderHistory(), { id: newId(), orderId: order.id, at: now, actor: `user:${customerId}`, fromStatus: null, toStatus: 'PENDING' as const, reason: 'checkout' });
      await manager.insert(OrderHistory, history);
      await this.outbox.add(manager, 'order.created', order.id, {
        orderId: order.id,
        customerId,
        lines: eventLines(rows),
        total: { amount: order.totalAmount, currency: order.currency },
        holdSeconds: this.holdSeconds(),
      });
      const view = toOrderView(order, rows, [], [history]);
      await this.idempotency.complete(manager, customerId, key, view);
      this.metrics.orders.inc({ status: 'created' });
      return view;
    });
  }

  // ---- reads ----

  async get(actor: Actor | undefined, orderId: string): Promise<OrderView> {
    const { order, lines, roles } = await this.visible(this.dataSource.manager, actor, orderId);
    const [payments, history] = await Promise.all([
      this.dataSource.getRepository(Payment).find({ where: { orderId: order.id }, order: { createdAt: 'ASC' } }),
      this.historyOf(order.id),
    ]);
    return toOrderView(order, lines, payments, history, sellerScope(actor, roles));
  }

  async history(actor: Actor | undefined, orderId: string): Promise<OrderHistoryEntry[]> {
    const { order } = await this.visible(this.dataSource.manager, actor, orderId);
    return (await this.historyOf(order.id)).map((h) => ({ at: h.at.toISOString(), actor: h.actor, from: h.fromStatus, to: h.toStatus, reason: h.reason }));
  }

  private historyOf(orderId: string): Promise<OrderHistory[]> {
    return this.dataSource.getRepository(OrderHistory).find({ where: { orderId }, order: { at: 'ASC', id: 'ASC' } });
  }

  /** Customers see their orders, sellers the orders holding their products (their lines only), admins all. */
  async list(actor: Actor | undefined, q: ListOrders = {}): Promise<Page<OrderSummary>> {
    const user = requireUser(actor);
    const page = clampInt(q.page, 1, 1, 1_000_000, 'page');
    const pageSize = clampInt(q.pageSize, 20, 1, MAX_PAGE_SIZE, 'pageSize');
    if (q.status !== undefined && !ORDER_STATUSES.includes(q.status)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, `status must be one of ${ORDER_STATUSES.join(', ')}`, { errors: [{ field: 'status' }] });
    const from = parseDate(q.from, 'from');
    const to = parseDate(q.to, 'to');
    const seller = !user.roles.includes('ADMIN') && user.roles.includes('SELLER') ? user.userId : undefined;
    if (!user.roles.includes('ADMIN') && !seller && !user.roles.includes('CUSTOMER')) throw new DomainError(ErrorCodes.FORBIDDEN, 'no orders to show for this account');

    const qb = this.dataSource.getRepository(Order).createQueryBuilder('o');
    if (seller) qb.where('o.id IN (SELECT l.order_id FROM order_lines l WHERE l.seller_id = :seller)', { seller });
    else if (!user.roles.includes('ADMIN')) qb.where('o.customer_id = :me', { me: user.userId });
    else qb.where('1 = 1');
    if (q.status) qb.andWhere('o.status = :status', { status: q.status });
    if (from) qb.andWhere('o.created_at >= :from', { from: sqlTimestamp(from) });
    if (to) qb.andWhere('o.created_at < :to', { to: sqlTimestamp(to) });
    const [orders, total] = await qb
      .orderBy('o.created_at', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .skip((page - 1) * pageSize)
      .take(pageSize)
      .getManyAndCount();
    const lines = orders.length ? await this.dataSource.getRepository(OrderLine).findBy({ orderId: In(orders.map((o) => o.id)), ...(seller ? { sellerId: seller } : {}) }) : [];
    const items = orders.map((o) => {
      const own = lines.filter((l) => l.orderId === o.id);
      return {
        id: o.id,
        customerId: o.customerId,
        status: o.status,
        total: { amount: seller ? own.reduce((n, l) => n + l.unitAmount * l.quantity, 0) : o.totalAmount, currency: o.currency },
        lineCount: own.length,
        createdAt: o.createdAt.toISOString(),
        updatedAt: o.updatedAt.toISOString(),
      };
    });
    return { items, total, page, pageSize };
  }

  // ---- actions ----

  /**
   * Pays a CONFIRMED order. Idempotent per order: a paid order answers its
   * view again; one payment runs at a time (PAYMENT.IN_PROGRESS otherwise).
   */
  async pay(actor: Actor | undefined, cmd: PayOrder): Promise<OrderView> {
    const { order, roles } = await this.visible(this.dataSource.manager, actor, cmd?.orderId);
    if (typeof cmd.paymentToken !== 'string' || !cmd.paymentToken || cmd.paymentToken.length > 64) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'paymentToken is required');
    this.authorize('pay', order.status, roles, order.status === 'PAID' || order.status === 'SHIPPED' || order.status === 'DELIVERED');
    if (order.status !== 'CONFIRMED') return this.get(actor, order.id); // already paid: the same answer
    const now = new Date();
    if (order.paymentDueAt && order.paymentDueAt <= now) throw new DomainError(ErrorCodes.ORDER_PAYMENT_WINDOW_CLOSED, 'the payment window of this order has closed');
    const locked = await this.dataSource
      .createQueryBuilder()
      .update(Order)
      .set({ paymentLockUntil: new Date(now.getTime() + this.settings.paymentLockMs) })
      .where('id = :id AND status = :s AND (payment_lock_until IS NULL OR payment_lock_until < :now)', { id: order.id, s: 'CONFIRMED', now: sqlTimestamp(now) })
      .execute();
    if (locked.affected !== 1) {
      const again = await this.get(actor, order.id);
      if (again.status !== 'CONFIRMED') return again;
      throw new DomainError(ErrorCodes.PAYMENT_IN_PROGRESS, 'a payment for this order is in progress');
    }
    const amount = { amount: order.totalAmount, currency: order.currency };
    let result;
    try {
      result = await this.payments.charge({ idempotencyKey: `order:${order.id}:${cmd.paymentToken}`, token: cmd.paymentToken, amount });
    } catch (err) {
      await this.dataSource.getRepository(Order).update({ id: order.id }, { paymentLockUntil: null });
      throw err;
    }
    this.metrics.payments.inc({ outcome: result.outcome.toLowerCase() });
    const payment = { id: newId(), orderId: order.id, amount: amount.amount, currency: amount.currency, method: maskToken(cmd.paymentToken), createdAt: new Date() };
    if (result.outcome !== 'SUCCEEDED') {
      await this.dataSource.transaction(async (m) => {
        await m.insert(Payment, { ...payment, outcome: result.outcome, providerReference: null });
        await m.update(Order, { id: order.id }, { paymentLockUntil: null });
      });
      if (result.outcome === 'DECLINED') throw new DomainError(ErrorCodes.PAYMENT_DECLINED, `the payment was declined (${result.reason}); the order waits for another payment until ${order.paymentDueAt?.toISOString()}`);
      throw new DomainError(ErrorCodes.PAYMENT_TIMEOUT, `the payment provider did not answer in time; the order waits for another payment until ${order.paymentDueAt?.toISOString()}`);
    }
    try {
      await this.dataSource.transaction(async (m) => {
        const fresh = await m.findOneByOrFail(Order, { id: order.id });
        await m.insert(Payment, { ...payment, outcome: 'SUCCEEDED', providerReference: result.reference });
        await this.lifecycle.move(m, fresh, 'pay', actorLabel(actor), `paid (${result.reference})`, { paymentLockUntil: null, nextCheckAt: null });
      });
    } catch (err) {
      // The order left CONFIRMED while the provider charged (its window closed): give the money back.
      if (!(err instanceof DomainError)) throw err;
      const refund = await this.payments.refund(result.reference, amount);
      await this.dataSource.getRepository(Payment).insert({ ...payment, id: newId(), outcome: 'REFUNDED', providerReference: refund, createdAt: new Date() });
      this.metrics.payments.inc({ outcome: 'refunded' });
      throw new DomainError(ErrorCodes.ORDER_PAYMENT_WINDOW_CLOSED, 'the order was cancelled while the payment ran; the payment was refunded');
    }
    return this.get(actor, order.id);
  }

  /** Customers cancel their own orders until anything ships (refunded if paid); admins any; the saga when the window closes. */
  async cancel(actor: Actor | undefined, cmd: CancelOrder): Promise<OrderView> {
    const reason = typeof cmd?.reason === 'string' && cmd.reason.trim() ? cmd.reason.trim().slice(0, 200) : 'cancelled by request';
    await this.dataSource.transaction(async (m) => {
      const { order, lines, roles } = await this.visible(m, actor, cmd?.orderId);
      this.authorize('cancel', order.status, roles);
      if (lines.some((l) => l.shippedAt)) throw new DomainError(ErrorCodes.ORDER_TRANSITION_FORBIDDEN, 'part of this order has shipped; it can no longer be cancelled');
      await this.cancelIn(m, order, actorLabel(actor), reason);
    });
    return this.get(actor, cmd.orderId);
  }

  /** Cancels in the caller's transaction, refunding a successful payment. */
  async cancelIn(m: EntityManager, order: Order, actor: string, reason: string): Promise<void> {
    if (order.status === 'PAID') {
      const paid = await m.findOne(Payment, { where: { orderId: order.id, outcome: 'SUCCEEDED' }, order: { createdAt: 'DESC' } });
      if (paid?.providerReference) {
        const refund = await this.payments.refund(paid.providerReference, { amount: paid.amount, currency: paid.currency });
        await m.insert(Payment, { ...paid, id: newId(), outcome: 'REFUNDED', providerReference: refund, createdAt: new Date() });
        this.metrics.payments.inc({ outcome: 'refunded' });
      }
    }
    await this.lifecycle.move(m, order, 'cancel', actor, reason, { reason, nextCheckAt: null, paymentLockUntil: null });
  }

  /** A seller ships their lines (an admin: all lines left); the order is SHIPPED once every line is. */
  async ship(actor: Actor | undefined, cmd: ShipOrder): Promise<OrderView> {
    const carrier = typeof cmd?.carrier === 'string' ? cmd.carrier.trim() : '';
    const tracking = typeof cmd?.trackingNumber === 'string' ? cmd.trackingNumber.trim() : '';
    if (!carrier || carrier.length > 40) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'carrier must be 1 to 40 characters', { errors: [{ field: 'carrier' }] });
    if (!/^[A-Za-z0-9-]{4,64}$/.test(tracking)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'trackingNumber must be 4 to 64 letters, digits or dashes', { errors: [{ field: 'trackingNumber' }] });
    await this.dataSource.transaction(async (m) => {
      const { order, lines, roles } = await this.visible(m, actor, cmd.orderId);
      this.authorize('ship', order.status, roles);
      const mine = this.linesFor(actor, roles, lines).filter((l) => !l.shippedAt);
      if (!mine.length) throw new DomainError(ErrorCodes.ORDER_TRANSITION_FORBIDDEN, 'these lines have shipped already');
      const now = new Date();
      for (const l of mine) await m.update(OrderLine, { orderId: order.id, productId: l.productId }, { carrier, trackingNumber: tracking, shippedAt: now });
      const unshipped = lines.length - lines.filter((l) => l.shippedAt).length - mine.length;
      const by = actorLabel(actor);
      if (unshipped === 0) await this.lifecycle.move(m, order, 'ship', by, `shipped with ${carrier} ${tracking}`);
      else await this.touch(m, order, by, `${mine.length} line(s) shipped with ${carrier} ${tracking}; ${unshipped} to go`);
    });
    return this.get(actor, cmd.orderId);
  }

  /** A seller confirms delivery of their lines (an admin: of all); the order is DELIVERED once every line is. */
  async deliver(actor: Actor | undefined, orderId: string): Promise<OrderView> {
    await this.dataSource.transaction(async (m) => {
      const { order, lines, roles } = await this.visible(m, actor, orderId);
      this.authorize('deliver', order.status, roles);
      const mine = this.linesFor(actor, roles, lines).filter((l) => !l.deliveredAt);
      if (!mine.length) throw new DomainError(ErrorCodes.ORDER_TRANSITION_FORBIDDEN, 'these lines are delivered already');
      const now = new Date();
      for (const l of mine) await m.update(OrderLine, { orderId: order.id, productId: l.productId }, { deliveredAt: now });
      const undelivered = lines.length - lines.filter((l) => l.deliveredAt).length - mine.length;
      const by = actorLabel(actor);
      if (undelivered === 0) await this.lifecycle.move(m, order, 'deliver', by, 'delivered');
      else await this.touch(m, order, by, `${mine.length} line(s) delivered; ${undelivered} to go`);
    });
    return this.get(actor, orderId);
  }

  // ---- helpers ----

  /** Loads an order the actor may see; anyone else gets ORDER.NOT_FOUND (its existence is not revealed). */
  private async visible(m: EntityManager, actor: Actor | undefined, orderId: unknown): Promise<{ order: Order; lines: OrderLine[]; roles: OrderRole[] }> {
    requireActor(actor);
    const order = typeof orderId === 'string' && UUID.test(orderId) ? await m.findOneBy(Order, { id: orderId }) : null;
    const lines = order ? await m.find(OrderLine, { where: { orderId: order.id }, order: { productId: 'ASC' } }) : [];
    const roles = order ? rolesOn(actor, order, lines) : [];
    if (!order || !roles.length) throw new DomainError(ErrorCodes.ORDER_NOT_FOUND, 'no such order');
    return { order, lines, roles };
  }

  /** FORBIDDEN when none of the actor's roles may take the action at all; ORDER.TRANSITION_FORBIDDEN when the status does not allow it now. */
  private authorize(action: OrderAction, status: OrderStatus, roles: OrderRole[], done = false): void {
    const t = ORDER_TRANSITIONS[action];
    if (!roles.some((r) => t.by.includes(r))) throw new DomainError(ErrorCodes.FORBIDDEN, `only ${t.by.map((r) => r.toLowerCase()).join(' or ')} may ${action} this order`);
    if (!done && !isAllowed(action, status, roles)) throw new DomainError(ErrorCodes.ORDER_TRANSITION_FORBIDDEN, `an order that is ${status} cannot go to ${t.to} (${action})`, { status, action });
  }

  /** The lines an actor acts on: all for an admin, their own for a seller. */
  private linesFor(actor: Actor | undefined, roles: OrderRole[], lines: OrderLine[]): OrderLine[] {
    if (roles.includes('ADMIN')) return lines;
    const me = actor?.kind === 'user' ? actor.userId : undefined;
    return lines.filter((l) => l.sellerId === me);
  }

  /** A partial step (some lines shipped or delivered): a history row without a status change. */
  private async touch(m: EntityManager, order: Order, actor: string, reason: string): Promise<void> {
    const now = new Date();
    const result = await m.createQueryBuilder().update(Order).set({ version: order.version + 1, updatedAt: now }).where('id = :id AND version = :v', { id: order.id, v: order.version }).execute();
    if (result.affected !== 1) throw new DomainError(ErrorCodes.CONFLICT, 'the order changed meanwhile; try again');
    await m.insert(OrderHistory, { id: newId(), orderId: order.id, at: now, actor, fromStatus: order.status, toStatus: order.status, reason });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Failures worth retrying with the same key: the key is freed instead of answering them forever. */
const RETRYABLE = new Set<string>([ErrorCodes.RPC_TIMEOUT, ErrorCodes.SERVICE_UNAVAILABLE, ErrorCodes.INTERNAL, ErrorCodes.CONFLICT, ErrorCodes.UNAUTHENTICATED]);

function requireActor(actor: Actor | undefined): void {
  if (!actor) throw new DomainError(ErrorCodes.UNAUTHENTICATED, 'sign in first');
}

function sellerScope(actor: Actor | undefined, roles: OrderRole[]): string | undefined {
  if (roles.includes('ADMIN') || roles.includes('CUSTOMER') || roles.includes('SYSTEM')) return undefined;
  return actor?.kind === 'user' ? actor.userId : undefined;
}

function clampInt(value: unknown, fallback: number, min: number, max: number, field: string): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new DomainError(ErrorCodes.VALIDATION_FAILED, `${field} must be an integer from ${min}`, { errors: [{ field }] });
  return Math.min(n, max);
}

function parseDate(value: unknown, field: string): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const d = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new DomainError(ErrorCodes.VALIDATION_FAILED, `${field} must be an ISO 8601 date`, { errors: [{ field }] });
  return d;
}

function checkAddress(value: unknown): ShippingAddress {
  const a = (value ?? {}) as Record<string, unknown>;
  const text = (field: keyof ShippingAddress, max: number, required = true): string | undefined => {
    const v = a[field];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || !v.trim() || v.length > max) throw new DomainError(ErrorCodes.VALIDATION_FAILED, `shippingAddress.${field} must be 1 to ${max} characters`, { errors: [{ field: `shippingAddress.${field}` }] });
    return v.trim();
  };
  if (typeof value !== 'object' || value === null) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'shippingAddress is required', { errors: [{ field: 'shippingAddress' }] });
  const country = text('country', 2)!.toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'shippingAddress.country must be an ISO 3166-1 alpha-2 code', { errors: [{ field: 'shippingAddress.country' }] });
  const line2 = text('line2', 200, false);
  return { name: text('name', 200)!, line1: text('line1', 200)!, ...(line2 ? { line2 } : {}), city: text('city', 100)!, postalCode: text('postalCode', 20)!, country };
}
