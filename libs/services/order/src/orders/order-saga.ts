import { Controller, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { InventoryRejected, InventoryReserved, OrderCreated } from '@shop/contracts';
import { sqlTimestamp } from '@shop/database';
import { type EventCall, OnEvent, OutboxService } from '@shop/messaging';
import { DataSource, type EntityManager } from 'typeorm';
import { IdempotencyService } from './idempotency.service.js';
import { OrderLifecycle, eventLines } from './order-lifecycle.js';
import { Order, OrderLine } from './order.entities.js';
import { OrderMetrics } from './order.metrics.js';
import { ORDER_SETTINGS, type OrderSettings, OrdersService } from './orders.service.js';

const SAGA = 'service:order';

/**
 * The order's side of the checkout saga. Its state is the order row itself
 * (status, next_check_at, reservation_attempts): the inventory's answers move
 * it in their inbox transaction, and a timer moves orders that wait too long
 * (no answer: order.created is sent again, then the order is rejected; no
 * payment in the window: cancelled, which releases the stock). Any process
 * may die at any point: nothing is held in memory.
 */
@Injectable()
export class OrderSaga {
  private readonly logger = new Logger('OrderSaga');

  constructor(
    private readonly dataSource: DataSource,
    private readonly lifecycle: OrderLifecycle,
    private readonly orders: OrdersService,
    private readonly outbox: OutboxService,
    private readonly metrics: OrderMetrics,
    @Inject(ORDER_SETTINGS) private readonly settings: OrderSettings,
  ) {}

  async onReserved(m: EntityManager, e: InventoryReserved): Promise<void> {
    const order = await m.findOneBy(Order, { id: e.orderId });
    if (!order || order.status !== 'PENDING') return; // a late or repeated answer: the order moved on (a rejected order's stock is released on order.rejected)
    const due = new Date(Date.now() + this.orders.paymentWindowMs());
    await this.lifecycle.move(m, order, 'confirm', SAGA, 'stock reserved; awaiting payment', { paymentDueAt: due, nextCheckAt: due });
    this.metrics.checkoutDuration.observe({ outcome: 'confirmed' }, (Date.now() - order.createdAt.getTime()) / 1000);
  }

  async onRejected(m: EntityManager, e: InventoryRejected): Promise<void> {
    const order = await m.findOneBy(Order, { id: e.orderId });
    if (!order || order.status !== 'PENDING') return;
    const detail = e.lines.length ? `: ${e.lines.map((l) => `${l.productId} wants ${l.quantity}, ${l.available} available`).join('; ')}` : '';
    const reason = `${e.reason}${detail}`.slice(0, 500);
    await this.lifecycle.move(m, order, 'reject', SAGA, reason, { reason, nextCheckAt: null });
    this.metrics.checkoutDuration.observe({ outcome: 'rejected' }, (Date.now() - order.createdAt.getTime()) / 1000);
  }

  /** Moves every order whose saga timer is due; returns how many it moved. */
  async tick(now = new Date()): Promise<number> {
    const due = await this.dataSource
      .getRepository(Order)
      .createQueryBuilder('o')
      .select(['o.id'])
      .where('o.next_check_at <= :now', { now: sqlTimestamp(now) })
      .orderBy('o.next_check_at', 'ASC')
      .limit(200)
      .getMany();
    let moved = 0;
    for (const { id } of due) {
      try {
        if (await this.dataSource.transaction((m) => this.timeout(m, id, now))) moved++;
      } catch (err) {
        // Another instance moved it first (CONFLICT), or the database hiccuped: the next tick looks again.
        this.logger.debug?.({ msg: 'saga timer skipped an order', orderId: id, err: err instanceof Error ? err.message : String(err) });
      }
    }
    return moved;
  }

  private async timeout(m: EntityManager, id: string, now: Date): Promise<boolean> {
    const order = await m.findOneBy(Order, { id });
    if (!order?.nextCheckAt || order.nextCheckAt > now) return false;
    if (order.status === 'PENDING') {
      if (order.reservationAttempts < this.settings.inventoryMaxAttempts) {
        // No answer yet: ask again (the product service answers a repeated order.created with the same reservation).
        const lines = await m.find(OrderLine, { where: { orderId: id }, order: { productId: 'ASC' } });
        const bumped = await m
          .createQueryBuilder()
          .update(Order)
          .set({ reservationAttempts: order.reservationAttempts + 1, nextCheckAt: new Date(now.getTime() + this.settings.inventoryTimeoutMs), version: order.version + 1, updatedAt: now })
          .where('id = :id AND version = :v', { id, v: order.version })
          .execute();
        if (bumped.affected !== 1) return false;
        const created: OrderCreated = { orderId: id, customerId: order.customerId, lines: eventLines(lines), total: { amount: order.totalAmount, currency: order.currency }, holdSeconds: this.orders.holdSeconds() };
        await this.outbox.add(m, 'order.created', id, created);
        return true;
      }
      const reason = `the inventory did not answer after ${order.reservationAttempts} attempts`;
      await this.lifecycle.move(m, order, 'reject', SAGA, reason, { reason, nextCheckAt: null });
      this.metrics.checkoutDuration.observe({ outcome: 'rejected' }, (now.getTime() - order.createdAt.getTime()) / 1000);
      return true;
    }
    if (order.status === 'CONFIRMED') {
      if (order.paymentLockUntil && order.paymentLockUntil > now) return false; // a payment is running: wait for it
      await this.orders.cancelIn(m, order, SAGA, 'the payment window closed');
      return true;
    }
    await m.update(Order, { id }, { nextCheckAt: null });
    return false;
  }
}

/** The inventory's answers, each in its inbox transaction. */
@Controller()
export class InventoryEventsController {
  constructor(private readonly saga: OrderSaga) {}

  @OnEvent('inventory.reserved')
  onReserved(e: InventoryReserved, { manager }: EventCall) {
    return this.saga.onReserved(manager, e);
  }

  @OnEvent('inventory.rejected')
  onRejected(e: InventoryRejected, { manager }: EventCall) {
    return this.saga.onRejected(manager, e);
  }
}

export const SAGA_INTERVAL_MS = Symbol('SAGA_INTERVAL_MS');

/** Runs the saga timer and purges expired idempotency keys. Safe with several instances: every move is conditional. */
@Injectable()
export class OrderSagaTimer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OrderSagaTimer');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastPurge = 0;

  constructor(
    private readonly saga: OrderSaga,
    private readonly idempotency: IdempotencyService,
    @Inject(SAGA_INTERVAL_MS) private readonly intervalMs: number,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.run()
        .catch((err: unknown) => this.logger.warn({ msg: 'saga timer failed', err: err instanceof Error ? err.message : String(err) }))
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    const moved = await this.saga.tick();
    if (moved) this.logger.log(`moved ${moved} order(s) whose saga timer was due`);
    if (Date.now() - this.lastPurge > 3_600_000) {
      this.lastPurge = Date.now();
      await this.idempotency.purgeExpired();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
