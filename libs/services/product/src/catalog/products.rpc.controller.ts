import { Controller } from '@nestjs/common';
import type { CreateProduct, GetProduct, ListProducts } from '@shop/contracts';
import { type RpcCall, RpcHandler } from '@shop/messaging';
import { ProductsService } from './products.service.js';

@Controller()
export class ProductsRpcController {
  constructor(private readonly products: ProductsService) {}

  @RpcHandler('product.get')
  get(req: GetProduct) {
    return this.products.get(req.idOrSlug);
  }

  @RpcHandler('product.list')
  list(req: ListProducts) {
    return this.products.list(req);
  }

  @RpcHandler('product.create')
  create(req: CreateProduct, { actor }: RpcCall) {
    return this.products.createAs(actor, req);
  }
}
