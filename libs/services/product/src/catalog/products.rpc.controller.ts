import { Controller } from '@nestjs/common';
import type { CreateCategory, CreateProduct, GetProduct, GetProducts, ListProducts, UpdateCategory, UpdateProduct } from '@shop/contracts';
import { type RpcCall, RpcHandler } from '@shop/messaging';
import { CategoriesService } from './categories.service.js';
import { ProductsService } from './products.service.js';

@Controller()
export class ProductsRpcController {
  constructor(private readonly products: ProductsService) {}

  @RpcHandler('product.get')
  get(req: GetProduct, { actor }: RpcCall) {
    return this.products.get(actor, req.idOrSlug);
  }

  @RpcHandler('product.getMany')
  getMany(req: GetProducts, { actor }: RpcCall) {
    return this.products.getMany(actor, req.productIds);
  }

  @RpcHandler('product.list')
  list(req: ListProducts, { actor }: RpcCall) {
    return this.products.list(actor, req);
  }

  @RpcHandler('product.create')
  create(req: CreateProduct, { actor }: RpcCall) {
    return this.products.createAs(actor, req);
  }

  @RpcHandler('product.update')
  update(req: UpdateProduct, { actor }: RpcCall) {
    return this.products.update(actor, req);
  }
}

@Controller()
export class CategoriesRpcController {
  constructor(private readonly categories: CategoriesService) {}

  @RpcHandler('product.listCategories')
  list() {
    return this.categories.list();
  }

  @RpcHandler('product.createCategory')
  create(req: CreateCategory, { actor }: RpcCall) {
    return this.categories.create(actor, req);
  }

  @RpcHandler('product.updateCategory')
  update(req: UpdateCategory, { actor }: RpcCall) {
    return this.categories.update(actor, req);
  }

  @RpcHandler('product.deleteCategory')
  delete(req: { categoryId: string }, { actor }: RpcCall) {
    return this.categories.delete(actor, req.categoryId);
  }
}
