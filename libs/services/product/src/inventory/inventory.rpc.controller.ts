import { Controller } from '@nestjs/common';
import type { AdjustStock, OrderRef, ReserveStock } from '@shop/contracts';
import { type RpcCall, RpcHandler } from '@shop/messaging';
import { InventoryService } from './inventory.service.js';

@Controller()
export class InventoryRpcController {
  constructor(private readonly inventory: InventoryService) {}

  @RpcHandler('product.stock')
  get(req: { productId: string }) {
    return this.inventory.get(req.productId);
  }

  @RpcHandler('product.adjustStock')
  adjust(req: AdjustStock, { actor }: RpcCall) {
    return this.inventory.adjust(actor, req);
  }

  @RpcHandler('product.stockMovements')
  movements(req: { productId: string; page?: number; pageSize?: number }, { actor }: RpcCall) {
    return this.inventory.movements(actor, req.productId, req.page, req.pageSize);
  }

  @RpcHandler('product.reserveStock')
  reserve(req: ReserveStock, { actor }: RpcCall) {
    return this.inventory.reserve(actor, req);
  }

  @RpcHandler('product.releaseStock')
  release(req: OrderRef, { actor }: RpcCall) {
    return this.inventory.release(actor, req.orderId);
  }

  @RpcHandler('product.commitStock')
  commit(req: OrderRef, { actor }: RpcCall) {
    return this.inventory.commit(actor, req.orderId);
  }
}
