import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { Public, Roles } from '@shop/auth';
import { MessageContextStore, RpcClient } from '@shop/messaging';
import { AdjustStockBody, CreateCategoryBody, CreateProductBody, ListProductsQuery, PageQuery, UpdateCategoryBody, UpdateProductBody } from './catalog.dto.js';

/**
 * Public routes call as the caller: the caller's token when one came with the
 * request, none otherwise. Without this the RPC client would fall back to the
 * gateway's own service token, and the product service would show anonymous
 * callers what only services, sellers and admins may see (drafts, archived).
 */
const asCaller = () => ({ token: MessageContextStore.current()?.token ?? null });

@Controller('api/v1/products')
export class ProductsHttpController {
  constructor(private readonly rpc: RpcClient) {}

  /** Public; with a seller's or admin's token, `status=DRAFT|ARCHIVED` lists their unpublished products. */
  @Get()
  @Public()
  list(@Query() query: ListProductsQuery) {
    return this.rpc.send('product.list', query, asCaller());
  }

  @Get(':idOrSlug')
  @Public()
  get(@Param('idOrSlug') idOrSlug: string) {
    return this.rpc.send('product.get', { idOrSlug }, asCaller());
  }

  @Post()
  @Roles('SELLER', 'ADMIN')
  create(@Body() body: CreateProductBody) {
    return this.rpc.send('product.create', body);
  }

  @Patch(':id')
  @Roles('SELLER', 'ADMIN')
  update(@Param('id', ParseUUIDPipe) productId: string, @Body() body: UpdateProductBody) {
    return this.rpc.send('product.update', { ...body, productId });
  }

  @Post(':id/stock')
  @HttpCode(HttpStatus.OK)
  @Roles('SELLER', 'ADMIN')
  adjustStock(@Param('id', ParseUUIDPipe) productId: string, @Body() body: AdjustStockBody) {
    return this.rpc.send('product.adjustStock', { ...body, productId });
  }

  @Get(':id/stock/movements')
  @Roles('SELLER', 'ADMIN')
  movements(@Param('id', ParseUUIDPipe) productId: string, @Query() query: PageQuery) {
    return this.rpc.send('product.stockMovements', { productId, ...query });
  }
}

@Controller('api/v1/categories')
export class CategoriesHttpController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Public()
  list() {
    return this.rpc.send('product.listCategories', {}, asCaller());
  }

  @Post()
  @Roles('ADMIN')
  create(@Body() body: CreateCategoryBody) {
    return this.rpc.send('product.createCategory', body);
  }

  @Patch(':id')
  @Roles('ADMIN')
  update(@Param('id', ParseUUIDPipe) categoryId: string, @Body() body: UpdateCategoryBody) {
    return this.rpc.send('product.updateCategory', { ...body, categoryId });
  }

  @Delete(':id')
  @Roles('ADMIN')
  delete(@Param('id', ParseUUIDPipe) categoryId: string) {
    return this.rpc.send('product.deleteCategory', { categoryId });
  }
}
