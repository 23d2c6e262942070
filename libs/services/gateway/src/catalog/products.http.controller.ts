import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import { Public, Roles } from '@shop/auth';
import { ErrorCodes } from '@shop/contracts';
import { MessageContextStore, RpcClient } from '@shop/messaging';
import { CatalogReadCache } from './catalog-read-cache.js';
import { ApiEndpoint, ApiProblems, ApiUuidParam } from '../openapi/api-docs.decorators.js';
import { AdjustStockBody, CreateCategoryBody, CreateProductBody, ListProductsQuery, StockMovementsQuery, UpdateCategoryBody, UpdateProductBody } from './catalog.dto.js';
import { CategoryViewDto, DeletedDto, ProductPageDto, ProductViewDto, StockMovementPageDto, StockViewDto } from './catalog.views.js';

/**
 * Public routes call as the caller: the caller's token when one came with the
 * request, none otherwise. Without this the RPC client would fall back to the
 * gateway's own service token, and the product service would show anonymous
 * callers what only services, sellers and admins may see (drafts, archived).
 */
const asCaller = () => ({ token: MessageContextStore.current()?.token ?? null });

/** Runs a catalog write, then empties the gateway's read cache, so the writer reads what they wrote. */
async function thenInvalidate<T>(cache: CatalogReadCache, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } finally {
    // Refused or timed out writes too: a timed-out write may still land.
    cache.invalidate();
  }
}

@Controller('api/v1/products')
@ApiTags('catalog')
export class ProductsHttpController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly cache: CatalogReadCache,
  ) {}

  /** Public; with a seller's or admin's token, `status=DRAFT|ARCHIVED` lists their unpublished products. */
  @Get()
  @Public()
  @ApiEndpoint('Search and list products', ProductPageDto, 'Anyone sees ACTIVE products. With a seller\'s or an admin\'s token, `status=DRAFT|ARCHIVED` lists unpublished products (a seller\'s own only).')
  list(@Query() query: ListProductsQuery) {
    return this.cache.page({ ...query }, () => this.rpc.send('product.list', query, asCaller()));
  }

  // `:id` like the other product routes (OpenAPI tools take paths that differ only in a parameter name for one path); a slug is accepted too.
  @Get(':id')
  @Public()
  @ApiEndpoint('One product, by id or slug', ProductViewDto, 'Unpublished products are shown to their seller and to admins only (NOT_FOUND to anyone else).')
  @ApiParam({ name: 'id', description: 'A product id (UUID) or its slug.', schema: { type: 'string', maxLength: 150 }, example: 'stoneware-mug' })
  @ApiProblems(ErrorCodes.PRODUCT_NOT_FOUND)
  get(@Param('id') idOrSlug: string) {
    return this.cache.product(idOrSlug, () => this.rpc.send('product.get', { idOrSlug }, asCaller()));
  }

  @Post()
  @Roles('SELLER', 'ADMIN')
  @ApiEndpoint('Create a product', ProductViewDto, 'A seller\'s products are their own; an admin may name the seller.')
  @ApiProblems(ErrorCodes.PRODUCT_SLUG_TAKEN, ErrorCodes.CATEGORY_NOT_FOUND)
  create(@Body() body: CreateProductBody) {
    return thenInvalidate(this.cache, this.rpc.send('product.create', body));
  }

  @Patch(':id')
  @Roles('SELLER', 'ADMIN')
  @ApiEndpoint('Update a product', ProductViewDto, 'Sellers may update their own products only (FORBIDDEN otherwise).')
  @ApiUuidParam('id', 'The product.')
  @ApiProblems(ErrorCodes.PRODUCT_NOT_FOUND, ErrorCodes.PRODUCT_VERSION_CONFLICT, ErrorCodes.CATEGORY_NOT_FOUND)
  update(@Param('id', ParseUUIDPipe) productId: string, @Body() body: UpdateProductBody) {
    return thenInvalidate(this.cache, this.rpc.send('product.update', { ...body, productId }));
  }

  @Post(':id/stock')
  @HttpCode(HttpStatus.OK)
  @Roles('SELLER', 'ADMIN')
  @ApiEndpoint('Adjust a product\'s stock on hand', StockViewDto, 'Sellers may adjust their own products only. On hand cannot go below the units reserved (STOCK.INVALID).')
  @ApiUuidParam('id', 'The product.')
  @ApiProblems(ErrorCodes.PRODUCT_NOT_FOUND, ErrorCodes.STOCK_INVALID, ErrorCodes.CONFLICT)
  adjustStock(@Param('id', ParseUUIDPipe) productId: string, @Body() body: AdjustStockBody) {
    return thenInvalidate(this.cache, this.rpc.send('product.adjustStock', { ...body, productId }));
  }

  @Get(':id/stock/movements')
  @Roles('SELLER', 'ADMIN')
  @ApiEndpoint('A product\'s stock movements, newest first', StockMovementPageDto, 'Sellers see their own products only.')
  @ApiUuidParam('id', 'The product.')
  @ApiProblems(ErrorCodes.PRODUCT_NOT_FOUND)
  movements(@Param('id', ParseUUIDPipe) productId: string, @Query() query: StockMovementsQuery) {
    return this.rpc.send('product.stockMovements', { productId, ...query });
  }
}

@Controller('api/v1/categories')
@ApiTags('catalog')
export class CategoriesHttpController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly cache: CatalogReadCache,
  ) {}

  @Get()
  @Public()
  @ApiEndpoint('All categories', [CategoryViewDto])
  list() {
    return this.rpc.send('product.listCategories', {}, asCaller());
  }

  @Post()
  @Roles('ADMIN')
  @ApiEndpoint('Create a category', CategoryViewDto)
  @ApiProblems(ErrorCodes.CATEGORY_NOT_FOUND, ErrorCodes.CONFLICT)
  create(@Body() body: CreateCategoryBody) {
    return thenInvalidate(this.cache, this.rpc.send('product.createCategory', body));
  }

  @Patch(':id')
  @Roles('ADMIN')
  @ApiEndpoint('Rename or move a category', CategoryViewDto)
  @ApiUuidParam('id', 'The category.')
  @ApiProblems(ErrorCodes.CATEGORY_NOT_FOUND, ErrorCodes.CONFLICT)
  update(@Param('id', ParseUUIDPipe) categoryId: string, @Body() body: UpdateCategoryBody) {
    return thenInvalidate(this.cache, this.rpc.send('product.updateCategory', { ...body, categoryId }));
  }

  @Delete(':id')
  @Roles('ADMIN')
  @ApiEndpoint('Delete an empty category', DeletedDto)
  @ApiUuidParam('id', 'The category.')
  @ApiProblems(ErrorCodes.CATEGORY_NOT_FOUND, ErrorCodes.CATEGORY_NOT_EMPTY)
  delete(@Param('id', ParseUUIDPipe) categoryId: string) {
    return thenInvalidate(this.cache, this.rpc.send('product.deleteCategory', { categoryId }));
  }
}
