import { Module } from '@nestjs/common';
import { ProductsHttpController } from './catalog/products.http.controller.js';

@Module({ controllers: [ProductsHttpController] })
export class GatewayModule {}
