import { Controller } from '@nestjs/common';
import type { OrderStatusChanged } from '@shop/contracts';
import { type EventCall, OnEvent } from '@shop/messaging';
import { OrderNotificationsService } from './order-notifications.service.js';

@Controller()
export class OrderEventsController {
  constructor(private readonly notifications: OrderNotificationsService) {}

  @OnEvent('order.confirmed')
  onConfirmed(e: OrderStatusChanged, { envelope }: EventCall) {
    return this.notifications.notify('order-confirmed', e, envelope);
  }

  @OnEvent('order.paid')
  onPaid(e: OrderStatusChanged, { envelope }: EventCall) {
    return this.notifications.notify('order-paid', e, envelope);
  }

  @OnEvent('order.shipped')
  onShipped(e: OrderStatusChanged, { envelope }: EventCall) {
    return this.notifications.notify('order-shipped', e, envelope);
  }

  @OnEvent('order.cancelled')
  onCancelled(e: OrderStatusChanged, { envelope }: EventCall) {
    return this.notifications.notify('order-cancelled', e, envelope);
  }
}
