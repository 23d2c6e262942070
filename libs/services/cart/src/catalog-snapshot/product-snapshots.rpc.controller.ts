import { Controller } from '@nestjs/common';
import { RpcHandler } from '@shop/messaging';
import { ProductSnapshotsService } from './product-snapshots.service.js';

@Controller()
export class ProductSnapshotsRpcController {
  constructor(private readonly snapshots: ProductSnapshotsService) {}

  @RpcHandler('cart.productSnapshot')
  get(req: { productId: string }) {
    return this.snapshots.get(req.productId);
  }
}
