import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { Roles } from '@shop/auth';
import { RpcClient } from '@shop/messaging';
import { CartItemBody, CartQuantityBody } from './catalog.dto.js';

@Controller('api/v1/cart')
@Roles('CUSTOMER')
export class CartHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  get() {
    return this.rpc.send('cart.get', {});
  }

  @Post('items')
  add(@Body() body: CartItemBody) {
    return this.rpc.send('cart.addItem', body);
  }

  @Patch('items/:productId')
  update(@Param('productId', ParseUUIDPipe) productId: string, @Body() body: CartQuantityBody) {
    return this.rpc.send('cart.updateItem', { productId, quantity: body.quantity });
  }

  @Delete('items/:productId')
  remove(@Param('productId', ParseUUIDPipe) productId: string) {
    return this.rpc.send('cart.removeItem', { productId });
  }

  @Delete()
  clear() {
    return this.rpc.send('cart.clear', {});
  }
}
