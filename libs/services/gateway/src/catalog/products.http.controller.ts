import { Controller, Get, Param, Query } from '@nestjs/common';
import { RpcClient } from '@shop/messaging';
import { ListProductsQuery } from './list-products.query.js';

@Controller('api/v1/products')
export class ProductsHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  list(@Query() query: ListProductsQuery) {
    return this.rpc.send('product.list', query);
  }

  @Get(':idOrSlug')
  get(@Param('idOrSlug') idOrSlug: string) {
    return this.rpc.send('product.get', { idOrSlug });
  }
}
