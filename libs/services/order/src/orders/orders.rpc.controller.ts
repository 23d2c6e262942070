import { Controller } from '@nestjs/common';
import type { CancelOrder, Checkout, ListOrders, OrderIdRef, PayOrder, ShipOrder } from '@shop/contracts';
import { type RpcCall, RpcHandler } from '@shop/messaging';
import { OrdersService } from './orders.service.js';

@Controller()
export class OrdersRpcController {
  constructor(private readonly orders: OrdersService) {}

  @RpcHandler('order.checkout')
  checkout(cmd: Checkout, { actor }: RpcCall) {
    return this.orders.checkout(actor, cmd);
  }

  @RpcHandler('order.get')
  get(q: OrderIdRef, { actor }: RpcCall) {
    return this.orders.get(actor, q?.orderId);
  }

  @RpcHandler('order.history')
  history(q: OrderIdRef, { actor }: RpcCall) {
    return this.orders.history(actor, q?.orderId);
  }

  @RpcHandler('order.list')
  list(q: ListOrders, { actor }: RpcCall) {
    return this.orders.list(actor, q ?? {});
  }

  @RpcHandler('order.pay')
  pay(cmd: PayOrder, { actor }: RpcCall) {
    return this.orders.pay(actor, cmd);
  }

  @RpcHandler('order.cancel')
  cancel(cmd: CancelOrder, { actor }: RpcCall) {
    return this.orders.cancel(actor, cmd);
  }

  @RpcHandler('order.ship')
  ship(cmd: ShipOrder, { actor }: RpcCall) {
    return this.orders.ship(actor, cmd);
  }

  @RpcHandler('order.deliver')
  deliver(q: OrderIdRef, { actor }: RpcCall) {
    return this.orders.deliver(actor, q?.orderId);
  }
}
