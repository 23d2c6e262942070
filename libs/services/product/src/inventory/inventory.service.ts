import { Inject, Injectable, Optional } from '@nestjs/common';
import { requireUser } from '@shop/auth';
import {
  byCodeUnits,
  type Actor,
  type AdjustStock,
  DomainError,
  ErrorCodes,
  type OrderCreated,
  type Page,
  type ReservationLine,
  type ReservationView,
  type ReserveStock,
  type StockMovementView,
  type StockView,
  newId,
} from '@shop/contracts';
import { isDuplicateKeyError, sqlTimestamp } from '@shop/database';
import { OutboxService } from '@shop/messaging';
import { DataSource, type EntityManager, In } from 'typeorm';
import { Product } from '../catalog/product.entity.js';
import { InventoryMetrics } from './inventory.metrics.js';
import { Reservation } from './reservation.entity.js';
import { StockMovement } from './stock-movement.entity.js';
import { Stock } from './stock.entity.js';

export const RESERVATION_TTL_SECONDS = Symbol('RESERVATION_TTL_SECONDS');

type ReserveOutcome = { reserved: ReservationView } | { failed: Array<ReservationLine & { available: number }> };
const MAX_QUANTITY = 1_000_000;

function actorId(actor: Actor | undefined): string | null {
  if (!actor) return null;
  return actor.kind === 'user' ? actor.userId : `service:${actor.service}`;
}

/** Admins and services manage any product's stock; a seller only their own. */
export function assertCanManage(actor: Actor | undefined, product: Pick<Product, 'sellerId'>): void {
  if (actor?.kind === 'service') return;
  const user = requireUser(actor);
  if (user.roles.includes('ADMIN')) return;
  if (user.roles.includes('SELLER') && product.sellerId === user.userId) return;
  throw new DomainError(ErrorCodes.FORBIDDEN, 'only the product’s seller or an admin may do this');
}

/**
 * Stock per product and reservations for orders. Every change is one
 * conditional UPDATE (`on_hand - reserved >= quantity`), so no interleaving of
 * concurrent reservations, on MySQL or SQLite, can take available stock below
 * zero; all lines of an order are reserved in one transaction or none are.
 */
@Injectable()
export class InventoryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    @Inject(RESERVATION_TTL_SECONDS) private readonly reservationTtlSeconds: number,
    @Optional() private readonly metrics?: InventoryMetrics,
  ) {}

  async initStock(manager: EntityManager, productId: string, onHand: number, actor: Actor | undefined): Promise<void> {
    const quantity = checkQuantity(onHand, 'stock');
    const now = new Date();
    await manager.insert(Stock, { productId, onHand: quantity, reserved: 0, updatedAt: now });
    if (quantity > 0) await this.record(manager, { productId, onHandDelta: quantity, reservedDelta: 0, reason: 'initial stock', actorId: actorId(actor), orderId: null });
  }

  async get(productId: string): Promise<StockView> {
    return toStockView(await this.load(this.dataSource.manager, productId));
  }

  async adjust(actor: Actor | undefined, cmd: AdjustStock): Promise<StockView> {
    const product = await this.product(cmd.productId);
    assertCanManage(actor, product);
    const reason = typeof cmd.reason === 'string' ? cmd.reason.trim() : '';
    if (!reason || reason.length > 200) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'reason must be 1 to 200 characters');
    if (cmd.mode !== 'set' && cmd.mode !== 'delta') throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'mode must be "set" or "delta"');
    if (!Number.isInteger(cmd.quantity) || Math.abs(cmd.quantity) > MAX_QUANTITY || (cmd.mode === 'set' && cmd.quantity < 0)) {
      throw new DomainError(ErrorCodes.VALIDATION_FAILED, `quantity must be an integer${cmd.mode === 'set' ? ' from 0' : ''} up to ${MAX_QUANTITY}`);
    }
    return this.dataSource.transaction(async (manager) => {
      const before = await this.load(manager, cmd.productId);
      const target = cmd.mode === 'set' ? cmd.quantity : before.onHand + cmd.quantity;
      const result = await manager
        .createQueryBuilder()
        .update(Stock)
        .set({ onHand: () => `on_hand + ${target - before.onHand}`, updatedAt: new Date() })
        .where('product_id = :id AND on_hand = :seen AND on_hand + :delta >= reserved', { id: cmd.productId, seen: before.onHand, delta: target - before.onHand })
        .execute();
      if (result.affected !== 1) {
        const now = await this.load(manager, cmd.productId);
        if (now.onHand !== before.onHand) throw new DomainError(ErrorCodes.CONFLICT, 'the stock changed meanwhile; try again');
        throw new DomainError(ErrorCodes.STOCK_INVALID, `on hand cannot go below the ${now.reserved} units reserved`);
      }
      return this.record(manager, { productId: cmd.productId, onHandDelta: target - before.onHand, reservedDelta: 0, reason, actorId: actorId(actor), orderId: null });
    });
  }

  async movements(actor: Actor | undefined, productId: string, page = 1, pageSize = 50): Promise<Page<StockMovementView>> {
    assertCanManage(actor, await this.product(productId));
    const p = Math.max(1, Math.floor(page) || 1);
    const size = Math.min(200, Math.max(1, Math.floor(pageSize) || 50));
    const [rows, total] = await this.dataSource.getRepository(StockMovement).findAndCount({ where: { productId }, order: { createdAt: 'DESC', id: 'DESC' }, skip: (p - 1) * size, take: size });
    return {
      items: rows.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })),
      total,
      page: p,
      pageSize: size,
    };
  }

  /** Reserves every line or none. Idempotent per order: a second call answers the first reservation. */
  async reserve(actor: Actor | undefined, cmd: ReserveStock): Promise<ReservationView> {
    assertOrderSystem(actor);
    const lines = normalizeLines(cmd.lines);
    const ttl = cmd.ttlSeconds ?? this.reservationTtlSeconds;
    if (!Number.isInteger(ttl) || ttl <= 0 || ttl > 86_400) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'ttlSeconds must be 1..86400');
    const existing = await this.view(this.dataSource.manager, cmd.orderId);
    if (existing) return existing;
    try {
      return await this.reserveLines(actor, cmd.orderId, lines, ttl);
    } catch (err) {
      // A concurrent call for the same order won (the key clash, or it took the last units first): answer its reservation.
      if (isDuplicateKeyError(err) || (err instanceof DomainError && err.code === ErrorCodes.STOCK_INSUFFICIENT)) {
        const won = await this.view(this.dataSource.manager, cmd.orderId);
        if (won) return won;
      }
      throw err;
    }
  }

  private async reserveLines(actor: Actor | undefined, orderId: string, lines: ReservationLine[], ttl: number): Promise<ReservationView> {
    return this.dataSource.transaction(async (manager) => {
      const outcome = await this.reserveIn(manager, actorId(actor), orderId, lines, ttl);
      if ('failed' in outcome) throw new DomainError(ErrorCodes.STOCK_INSUFFICIENT, 'not enough stock for every line', { lines: outcome.failed });
      return outcome.reserved;
    });
  }

  /**
   * Reserves every line of an order in the caller's transaction, or none:
   * each line is one conditional UPDATE (`on_hand - reserved >= quantity`);
   * when a line does not fit, the lines already taken are given back before
   * the transaction goes on, so a refused order leaves nothing reserved.
   */
  private async reserveIn(manager: EntityManager, by: string | null, orderId: string, lines: ReservationLine[], ttl: number): Promise<ReserveOutcome> {
    const now = new Date();
    const expiresAt = new Date(now.getTime() + ttl * 1000);
    const taken: ReservationLine[] = [];
    const failed: Array<ReservationLine & { available: number }> = [];
    // Sorted by product so that concurrent multi-line reservations lock rows in one order (no deadlock).
    for (const line of lines) {
      const result = await manager
        .createQueryBuilder()
        .update(Stock)
        .set({ reserved: () => `reserved + ${line.quantity}`, updatedAt: now })
        .where('product_id = :id AND on_hand - reserved >= :q', { id: line.productId, q: line.quantity })
        .execute();
      if (result.affected === 1) {
        taken.push(line);
      } else {
        const stock = await manager.findOneBy(Stock, { productId: line.productId });
        failed.push({ ...line, available: stock ? stock.onHand - stock.reserved : 0 });
      }
    }
    if (failed.length) {
      for (const line of taken) {
        await manager.createQueryBuilder().update(Stock).set({ reserved: () => `reserved - ${line.quantity}` }).where('product_id = :id', { id: line.productId }).execute();
      }
      this.metrics?.reservations.inc({ outcome: 'rejected' });
      return { failed };
    }
    await manager.insert(
      Reservation,
      lines.map((l) => ({ orderId, productId: l.productId, quantity: l.quantity, status: 'RESERVED' as const, expiresAt, createdAt: now, updatedAt: now })),
    );
    for (const l of lines) await this.record(manager, { productId: l.productId, onHandDelta: 0, reservedDelta: l.quantity, reason: 'reserved', actorId: by, orderId });
    this.metrics?.reservations.inc({ outcome: 'reserved' });
    return { reserved: { orderId, status: 'RESERVED', lines, expiresAt: expiresAt.toISOString() } };
  }

  /**
   * The saga's step on `order.created`: reserve the order's lines and answer
   * `inventory.reserved` or `inventory.rejected`, all in the event's inbox
   * transaction (the reservation, the answer and the inbox row commit together).
   */
  async reserveForOrder(manager: EntityManager, e: OrderCreated): Promise<void> {
    const existing = await this.view(manager, e.orderId);
    if (existing) {
      // A re-sent order.created (the order service retries when no answer came): answer again.
      if (existing.status === 'RELEASED') await this.outbox.add(manager, 'inventory.rejected', e.orderId, { orderId: e.orderId, lines: [], reason: 'the reservation was already released' });
      else await this.outbox.add(manager, 'inventory.reserved', e.orderId, { orderId: e.orderId, lines: existing.lines, expiresAt: existing.expiresAt });
      return;
    }
    let lines: ReservationLine[];
    try {
      lines = normalizeLines(e.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })));
    } catch (err) {
      await this.outbox.add(manager, 'inventory.rejected', e.orderId, { orderId: e.orderId, lines: [], reason: err instanceof Error ? err.message : 'invalid lines' });
      return;
    }
    const ttl = Number.isInteger(e.holdSeconds) && e.holdSeconds > 0 ? Math.min(e.holdSeconds, 86_400) : this.reservationTtlSeconds;
    const outcome = await this.reserveIn(manager, 'service:order', e.orderId, lines, ttl);
    if ('failed' in outcome) {
      await this.outbox.add(manager, 'inventory.rejected', e.orderId, { orderId: e.orderId, lines: outcome.failed, reason: 'not enough stock' });
    } else {
      await this.outbox.add(manager, 'inventory.reserved', e.orderId, { orderId: e.orderId, lines: outcome.reserved.lines, expiresAt: outcome.reserved.expiresAt });
    }
  }

  /** The saga's steps on `order.paid` (commit) and `order.cancelled`/`order.rejected` (release), in the event's transaction. */
  async settleForOrder(manager: EntityManager, orderId: string, to: 'RELEASED' | 'COMMITTED', reason: string): Promise<void> {
    await this.settleIn(manager, orderId, to, reason, 'service:order');
  }

  /** A paid order cancelled before it shipped: its sold units go back on hand. */
  async restockForOrder(manager: EntityManager, orderId: string): Promise<void> {
    const lines = await manager.find(Reservation, { where: { orderId, status: 'COMMITTED' }, order: { productId: 'ASC' } });
    const now = new Date();
    for (const line of lines) {
      const flipped = await manager
        .createQueryBuilder()
        .update(Reservation)
        .set({ status: 'RELEASED', updatedAt: now })
        .where('order_id = :o AND product_id = :p AND status = :s', { o: orderId, p: line.productId, s: 'COMMITTED' })
        .execute();
      if (flipped.affected !== 1) continue;
      await manager.createQueryBuilder().update(Stock).set({ onHand: () => `on_hand + ${line.quantity}`, updatedAt: now }).where('product_id = :id', { id: line.productId }).execute();
      await this.record(manager, { productId: line.productId, onHandDelta: line.quantity, reservedDelta: 0, reason: 'restocked: paid order cancelled', actorId: 'service:order', orderId });
    }
  }

  /** Gives reserved units back. Idempotent: lines no longer RESERVED are left alone. */
  async release(actor: Actor | undefined, orderId: string, reason = 'released'): Promise<ReservationView | null> {
    assertOrderSystem(actor);
    return this.settle(orderId, 'RELEASED', reason, actorId(actor));
  }

  /** Turns reserved units into sold ones (on payment). Idempotent. */
  async commit(actor: Actor | undefined, orderId: string): Promise<ReservationView | null> {
    assertOrderSystem(actor);
    return this.settle(orderId, 'COMMITTED', 'committed', actorId(actor));
  }

  /** Releases reservations past their expiry; returns how many orders it released. */
  async sweepExpired(now = new Date()): Promise<number> {
    const rows: Array<{ order_id: string }> = await this.dataSource.query('SELECT DISTINCT order_id FROM reservations WHERE status = ? AND expires_at <= ? LIMIT 500', ['RESERVED', sqlTimestamp(now)]);
    for (const { order_id } of rows) await this.settle(order_id, 'RELEASED', 'reservation expired', 'service:product');
    return rows.length;
  }

  private async settle(orderId: string, to: 'RELEASED' | 'COMMITTED', reason: string, by: string | null): Promise<ReservationView | null> {
    await this.dataSource.transaction((manager) => this.settleIn(manager, orderId, to, reason, by));
    return this.view(this.dataSource.manager, orderId);
  }

  private async settleIn(manager: EntityManager, orderId: string, to: 'RELEASED' | 'COMMITTED', reason: string, by: string | null): Promise<void> {
    const lines = await manager.find(Reservation, { where: { orderId, status: 'RESERVED' }, order: { productId: 'ASC' } });
    const now = new Date();
    for (const line of lines) {
      // The status flip is the guard: of two concurrent settlements only one moves each line.
      const flipped = await manager
        .createQueryBuilder()
        .update(Reservation)
        .set({ status: to, updatedAt: now })
        .where('order_id = :o AND product_id = :p AND status = :s', { o: orderId, p: line.productId, s: 'RESERVED' })
        .execute();
      if (flipped.affected !== 1) continue;
      const onHand = to === 'COMMITTED' ? -line.quantity : 0;
      await manager
        .createQueryBuilder()
        .update(Stock)
        .set({ reserved: () => `reserved - ${line.quantity}`, onHand: () => `on_hand + ${onHand}`, updatedAt: now })
        .where('product_id = :id', { id: line.productId })
        .execute();
      await this.record(manager, { productId: line.productId, onHandDelta: onHand, reservedDelta: -line.quantity, reason, actorId: by, orderId });
    }
  }

  private async view(manager: EntityManager, orderId: string): Promise<ReservationView | null> {
    if (typeof orderId !== 'string' || !orderId) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'orderId is required');
    const rows = await manager.find(Reservation, { where: { orderId }, order: { productId: 'ASC' } });
    if (!rows.length) return null;
    const statuses = new Set(rows.map((r) => r.status));
    const status = statuses.has('RESERVED') ? 'RESERVED' : statuses.has('COMMITTED') ? 'COMMITTED' : 'RELEASED';
    return { orderId, status, lines: rows.map((r) => ({ productId: r.productId, quantity: r.quantity })), expiresAt: rows[0]!.expiresAt.toISOString() };
  }

  /** Writes the movement row and the `stock.changed` event; returns the stock after it. */
  private async record(manager: EntityManager, m: Omit<StockMovementView, 'id' | 'createdAt' | 'onHandAfter' | 'reservedAfter'>): Promise<StockView> {
    const after = await this.load(manager, m.productId);
    await manager.insert(StockMovement, { ...m, id: newId(), onHandAfter: after.onHand, reservedAfter: after.reserved, createdAt: new Date() });
    const view = toStockView(after);
    await this.outbox.add(manager, 'stock.changed', m.productId, { ...view, reason: m.reason });
    return view;
  }

  private async load(manager: EntityManager, productId: string): Promise<Stock> {
    const stock = typeof productId === 'string' ? await manager.findOneBy(Stock, { productId }) : null;
    if (!stock) throw new DomainError(ErrorCodes.PRODUCT_NOT_FOUND, 'no such product');
    return stock;
  }

  private async product(productId: string): Promise<Product> {
    const product = typeof productId === 'string' ? await this.dataSource.getRepository(Product).findOneBy({ id: productId }) : null;
    if (!product) throw new DomainError(ErrorCodes.PRODUCT_NOT_FOUND, 'no such product');
    return product;
  }

  /** Available units per product, for views. */
  async availability(manager: EntityManager, productIds: string[]): Promise<Map<string, number>> {
    if (!productIds.length) return new Map();
    const rows = await manager.find(Stock, { where: { productId: In(productIds) } });
    return new Map(rows.map((s) => [s.productId, s.onHand - s.reserved]));
  }
}

/** Reservations are the order system's business: a service (the order service) or an admin. */
function assertOrderSystem(actor: Actor | undefined): void {
  if (actor?.kind === 'service') return;
  const user = requireUser(actor);
  if (!user.roles.includes('ADMIN')) throw new DomainError(ErrorCodes.FORBIDDEN, 'only the order service or an admin may reserve stock');
}

function checkQuantity(value: unknown, what: string): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_QUANTITY) {
    throw new DomainError(ErrorCodes.VALIDATION_FAILED, `${what} must be an integer from 0 to ${MAX_QUANTITY}`);
  }
  return value as number;
}

function normalizeLines(lines: unknown): ReservationLine[] {
  if (!Array.isArray(lines) || !lines.length || lines.length > 100) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'lines must hold 1 to 100 lines');
  const merged = new Map<string, number>();
  for (const l of lines as ReservationLine[]) {
    if (typeof l?.productId !== 'string' || !Number.isInteger(l.quantity) || l.quantity < 1 || l.quantity > MAX_QUANTITY) {
      throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'each line needs a productId and a quantity of at least 1');
    }
    merged.set(l.productId, (merged.get(l.productId) ?? 0) + l.quantity);
  }
  return [...merged].sort(([a], [b]) => byCodeUnits(a, b)).map(([productId, quantity]) => ({ productId, quantity }));
}

function toStockView(s: Stock): StockView {
  return { productId: s.productId, onHand: s.onHand, reserved: s.reserved, available: s.onHand - s.reserved };
}
