import { Injectable } from '@nestjs/common';
import {
  type Actor,
  DomainError,
  ErrorCodes,
  type EventType,
  type OrderEventLine,
  type OrderStatus,
  type OrderStatusChanged,
  type OrderView,
  type ShippingAddress,
  newId,
} from '@shop/contracts';
import { OutboxService } from '@shop/messaging';
import type { EntityManager } from 'typeorm';
import { ORDER_TRANSITIONS, type OrderAction, type OrderRole } from './order-transitions.js';
import { Order, OrderHistory, OrderLine, Payment } from './order.entities.js';
import { OrderMetrics } from './order.metrics.js';

const EVENT_BY_STATUS: Record<Exclude<OrderStatus, 'PENDING'>, EventType> = {
  CONFIRMED: 'order.confirmed',
  REJECTED: 'order.rejected',
  PAID: 'order.paid',
  SHIPPED: 'order.shipped',
  DELIVERED: 'order.delivered',
  CANCELLED: 'order.cancelled',
};

/** How an actor is written in the history. */
export function actorLabel(actor: Actor | undefined): string {
  if (!actor) return 'system';
  return actor.kind === 'user' ? `user:${actor.userId}` : `service:${actor.service}`;
}

/** The roles an actor holds on one order; none means the order is not theirs to see. */
export function rolesOn(actor: Actor | undefined, order: Pick<Order, 'customerId'>, lines: Array<Pick<OrderLine, 'sellerId'>>): OrderRole[] {
  if (actor?.kind === 'service') return actor.service === 'order' ? ['SYSTEM'] : [];
  if (actor?.kind !== 'user') return [];
  const roles: OrderRole[] = [];
  if (actor.roles.includes('ADMIN')) roles.push('ADMIN');
  if (actor.roles.includes('CUSTOMER') && order.customerId === actor.userId) roles.push('CUSTOMER');
  if (actor.roles.includes('SELLER') && lines.some((l) => l.sellerId === actor.userId)) roles.push('SELLER');
  return roles;
}

/**
 * Moves orders along ORDER_TRANSITIONS: one conditional UPDATE on the
 * order's version (of two concurrent moves one wins, the other gets a
 * CONFLICT and its transaction rolls back), a history row and the status
 * event in the outbox, all in the caller's transaction.
 */
@Injectable()
export class OrderLifecycle {
  constructor(
    private readonly outbox: OutboxService,
    private readonly metrics: OrderMetrics,
  ) {}

  async move(manager: EntityManager, order: Order, action: OrderAction, actor: string, reason: string, patch: Partial<Order> = {}): Promise<Order> {
    const t = ORDER_TRANSITIONS[action];
    const from = order.status;
    if (!t.from.includes(from)) {
      throw new DomainError(ErrorCodes.ORDER_TRANSITION_FORBIDDEN, `an order that is ${from} cannot go to ${t.to} (${action})`, { status: from, action });
    }
    const now = new Date();
    const next: Partial<Order> = { ...patch, status: t.to, version: order.version + 1, updatedAt: now };
    const result = await manager.createQueryBuilder().update(Order).set(next).where('id = :id AND version = :v', { id: order.id, v: order.version }).execute();
    if (result.affected !== 1) throw new DomainError(ErrorCodes.CONFLICT, 'the order changed meanwhile; try again');
    const moved = Object.assign(order, next);
    await manager.insert(OrderHistory, { id: newId(), orderId: moved.id, at: now, actor, fromStatus: from, toStatus: t.to, reason: reason.slice(0, 500) });
    const lines = await manager.find(OrderLine, { where: { orderId: moved.id }, order: { productId: 'ASC' } });
    const event: OrderStatusChanged = {
      orderId: moved.id,
      customerId: moved.customerId,
      customerEmail: moved.customerEmail,
      status: t.to,
      lines: eventLines(lines),
      total: { amount: moved.totalAmount, currency: moved.currency },
      reason: moved.reason,
    };
    await this.outbox.add(manager, EVENT_BY_STATUS[t.to as Exclude<OrderStatus, 'PENDING'>] as 'order.confirmed', moved.id, event);
    this.metrics.orders.inc({ status: t.to.toLowerCase() });
    return moved;
  }
}

export function eventLines(lines: OrderLine[]): OrderEventLine[] {
  return lines.map((l) => ({ productId: l.productId, quantity: l.quantity, sellerId: l.sellerId }));
}

/**
 * The order as its viewer may see it: customers and admins the whole order,
 * a seller only their own lines (and the total of those).
 */
export function toOrderView(order: Order, lines: OrderLine[], payments: Payment[], history: OrderHistory[], sellerScope?: string): OrderView {
  const shown = sellerScope ? lines.filter((l) => l.sellerId === sellerScope) : lines;
  const money = (amount: number) => ({ amount, currency: order.currency });
  return {
    id: order.id,
    customerId: order.customerId,
    status: order.status,
    lines: shown.map((l) => ({
      productId: l.productId,
      sellerId: l.sellerId,
      name: l.name,
      quantity: l.quantity,
      unitPrice: money(l.unitAmount),
      lineTotal: money(l.unitAmount * l.quantity),
      shipment: l.shippedAt && l.carrier && l.trackingNumber ? { carrier: l.carrier, trackingNumber: l.trackingNumber, shippedAt: l.shippedAt.toISOString(), deliveredAt: l.deliveredAt?.toISOString() ?? null } : null,
    })),
    total: sellerScope ? money(shown.reduce((n, l) => n + l.unitAmount * l.quantity, 0)) : money(order.totalAmount),
    shippingAddress: JSON.parse(order.shippingAddress) as ShippingAddress,
    paymentDueAt: order.paymentDueAt?.toISOString() ?? null,
    reason: order.reason,
    payments: sellerScope
      ? []
      : payments.map((p) => ({ id: p.id, outcome: p.outcome, amount: { amount: p.amount, currency: p.currency }, method: p.method, providerReference: p.providerReference, createdAt: p.createdAt.toISOString() })),
    history: history.map((h) => ({ at: h.at.toISOString(), actor: h.actor, from: h.fromStatus, to: h.toStatus, reason: h.reason })),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
