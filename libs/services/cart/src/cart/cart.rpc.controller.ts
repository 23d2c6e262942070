import { Controller } from '@nestjs/common';
import type { AddCartItem, CartItemRef, UpdateCartItem } from '@shop/contracts';
import { type RpcCall, RpcHandler } from '@shop/messaging';
import { CartService } from './cart.service.js';

@Controller()
export class CartRpcController {
  constructor(private readonly carts: CartService) {}

  @RpcHandler('cart.get')
  get(_: Record<string, never>, { actor }: RpcCall) {
    return this.carts.get(actor);
  }

  @RpcHandler('cart.addItem')
  add(cmd: AddCartItem, { actor }: RpcCall) {
    return this.carts.add(actor, cmd.productId, cmd.quantity);
  }

  @RpcHandler('cart.updateItem')
  update(cmd: UpdateCartItem, { actor }: RpcCall) {
    return this.carts.update(actor, cmd.productId, cmd.quantity);
  }

  @RpcHandler('cart.removeItem')
  remove(cmd: CartItemRef, { actor }: RpcCall) {
    return this.carts.remove(actor, cmd.productId);
  }

  @RpcHandler('cart.clear')
  clear(_: Record<string, never>, { actor }: RpcCall) {
    return this.carts.clear(actor);
  }
}
