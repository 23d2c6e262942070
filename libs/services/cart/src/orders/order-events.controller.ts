import { Controller } from '@nestjs/common';
import type { OrderStatusChanged } from '@shop/contracts';
import { type EventCall, OnEvent } from '@shop/messaging';
import { CartLine } from '../cart/cart-line.entity.js';

/**
 * Clears what was ordered from the customer's cart once the order is
 * confirmed. Only the ordered quantities go: a product added to the cart
 * after checkout stays, and a line the customer raised keeps the difference.
 */
@Controller()
export class CartOrderEventsController {
  @OnEvent('order.confirmed')
  async onConfirmed(e: OrderStatusChanged, { manager }: EventCall): Promise<void> {
    const now = new Date();
    for (const line of e.lines) {
      const existing = await manager.findOneBy(CartLine, { customerId: e.customerId, productId: line.productId });
      if (!existing) continue;
      if (existing.quantity <= line.quantity) await manager.delete(CartLine, { customerId: e.customerId, productId: line.productId });
      else await manager.update(CartLine, { customerId: e.customerId, productId: line.productId }, { quantity: existing.quantity - line.quantity, updatedAt: now });
    }
  }
}
