import { Controller } from '@nestjs/common';
import type { OrderCreated, OrderStatusChanged } from '@shop/contracts';
import { type EventCall, OnEvent } from '@shop/messaging';
import { InventoryService } from './inventory.service.js';

/** The product service's part of the checkout saga: reserve on order.created, commit on payment, release on cancel or reject. */
@Controller()
export class OrderEventsController {
  constructor(private readonly inventory: InventoryService) {}

  @OnEvent('order.created')
  onCreated(e: OrderCreated, { manager }: EventCall) {
    return this.inventory.reserveForOrder(manager, e);
  }

  @OnEvent('order.paid')
  onPaid(e: OrderStatusChanged, { manager }: EventCall) {
    return this.inventory.settleForOrder(manager, e.orderId, 'COMMITTED', 'committed: order paid');
  }

  @OnEvent('order.cancelled')
  async onCancelled(e: OrderStatusChanged, { manager }: EventCall) {
    await this.inventory.settleForOrder(manager, e.orderId, 'RELEASED', 'released: order cancelled');
    await this.inventory.restockForOrder(manager, e.orderId);
  }

  @OnEvent('order.rejected')
  onRejected(e: OrderStatusChanged, { manager }: EventCall) {
    // Nothing is reserved for a rejected order, unless the answer came after the order service gave up waiting.
    return this.inventory.settleForOrder(manager, e.orderId, 'RELEASED', 'released: order rejected');
  }
}
