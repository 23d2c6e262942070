import { Module } from '@nestjs/common';
import { ProductsRpcController } from './catalog/products.rpc.controller.js';
import { ProductsService } from './catalog/products.service.js';

@Module({
  controllers: [ProductsRpcController],
  providers: [ProductsService],
  exports: [ProductsService],
})
export class ProductModule {}
