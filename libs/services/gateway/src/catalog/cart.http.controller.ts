import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '@shop/auth';
import { ErrorCodes } from '@shop/contracts';
import { RpcClient } from '@shop/messaging';
import { ApiEndpoint, ApiProblems, ApiUuidParam } from '../openapi/api-docs.decorators.js';
import { CartItemBody, CartQuantityBody } from './catalog.dto.js';
import { CartViewDto } from './catalog.views.js';

@Controller('api/v1/cart')
@ApiTags('cart')
@Roles('CUSTOMER')
export class CartHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @ApiEndpoint('My cart, priced at current prices', CartViewDto, 'When the catalog cannot be asked in time, the last known data is shown with `stale: true`.')
  get() {
    return this.rpc.send('cart.get', {});
  }

  @Post('items')
  @ApiEndpoint('Add a product to my cart', CartViewDto, 'Adds to the line\'s quantity when the product is in the cart already.')
  @ApiProblems(ErrorCodes.PRODUCT_NOT_FOUND, ErrorCodes.PRODUCT_UNAVAILABLE, ErrorCodes.STOCK_INSUFFICIENT, ErrorCodes.CART_LIMIT)
  add(@Body() body: CartItemBody) {
    return this.rpc.send('cart.addItem', body);
  }

  @Patch('items/:productId')
  @ApiEndpoint('Change the quantity of a line', CartViewDto, 'Quantity 0 removes the line.')
  @ApiUuidParam('productId', 'The product of the line.')
  @ApiProblems(ErrorCodes.CART_ITEM_NOT_FOUND, ErrorCodes.PRODUCT_NOT_FOUND, ErrorCodes.PRODUCT_UNAVAILABLE, ErrorCodes.STOCK_INSUFFICIENT, ErrorCodes.CART_LIMIT)
  update(@Param('productId', ParseUUIDPipe) productId: string, @Body() body: CartQuantityBody) {
    return this.rpc.send('cart.updateItem', { productId, quantity: body.quantity });
  }

  @Delete('items/:productId')
  @ApiEndpoint('Remove a line', CartViewDto)
  @ApiUuidParam('productId', 'The product of the line.')
  @ApiProblems(ErrorCodes.CART_ITEM_NOT_FOUND)
  remove(@Param('productId', ParseUUIDPipe) productId: string) {
    return this.rpc.send('cart.removeItem', { productId });
  }

  @Delete()
  @ApiEndpoint('Empty my cart', CartViewDto)
  clear() {
    return this.rpc.send('cart.clear', {});
  }
}
