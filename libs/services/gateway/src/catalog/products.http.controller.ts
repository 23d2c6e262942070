import { Controller, Get, Param, Query } from '@nestjs/common';
import { Public } from '@shop/auth';
import { RpcClient } from '@shop/messaging';
import { ListProductsQuery } from './list-products.query.js';

@Controller('api/v1/products')
@Public()
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
