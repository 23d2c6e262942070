import { ApiProperty } from '@nestjs/swagger';
import {
  type CartLineView,
  type CartView,
  type CategoryView,
  type Money,
  PRODUCT_STATUSES,
  type ProductStatus,
  type ProductSummary,
  type ProductView,
  type StockMovementView,
  type StockView,
} from '@shop/contracts';
import { pageDto } from '../openapi/page.dto.js';

// Response shapes of the catalog and cart routes for the OpenAPI document. Each
// class `implements` its contract type, so a contract change fails the type
// check here until the document follows.

const UUID = '0192f0c4-6b1e-7cc3-9a57-3f1c2d4e5a6b';
const WHEN = '2026-11-26T08:00:00.000Z';

export class MoneyDto implements Money {
  @ApiProperty({ type: 'integer', description: 'Minor units (cents).', example: 1299 })
  amount!: number;

  @ApiProperty({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code.', example: 'EUR' })
  currency!: string;
}

export class ProductViewDto implements ProductView {
  @ApiProperty({ format: 'uuid', example: UUID })
  id!: string;

  @ApiProperty({ example: 'stoneware-mug' })
  slug!: string;

  @ApiProperty({ example: 'Stoneware mug' })
  name!: string;

  @ApiProperty({ example: 'A 350 ml mug, dishwasher safe.' })
  description!: string;

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, example: null })
  categoryId!: string | null;

  @ApiProperty({ type: () => MoneyDto })
  price!: MoneyDto;

  @ApiProperty({ type: [String], example: ['https://cdn.example.com/mug.jpg'] })
  images!: string[];

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { colour: 'blue' } })
  attributes!: Record<string, string>;

  @ApiProperty({ enum: PRODUCT_STATUSES, enumName: 'ProductStatus', example: 'ACTIVE' })
  status!: ProductStatus;

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, example: UUID })
  sellerId!: string | null;

  @ApiProperty({ type: 'integer', description: 'Units that can be ordered now (on hand minus reserved).', example: 25 })
  available!: number;

  @ApiProperty({ type: 'integer', description: 'Increases with every change; send it back as `expectedVersion`.', example: 1 })
  version!: number;

  @ApiProperty({ format: 'date-time', example: WHEN })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', example: WHEN })
  updatedAt!: string;
}

export class ProductSummaryDto implements ProductSummary {
  @ApiProperty({ format: 'uuid', example: UUID })
  id!: string;

  @ApiProperty({ example: 'stoneware-mug' })
  slug!: string;

  @ApiProperty({ example: 'Stoneware mug' })
  name!: string;

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, example: null })
  categoryId!: string | null;

  @ApiProperty({ type: () => MoneyDto })
  price!: MoneyDto;

  @ApiProperty({ type: 'string', nullable: true, description: 'The first image.', example: 'https://cdn.example.com/mug.jpg' })
  image!: string | null;

  @ApiProperty({ enum: PRODUCT_STATUSES, enumName: 'ProductStatus', example: 'ACTIVE' })
  status!: ProductStatus;

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, example: UUID })
  sellerId!: string | null;

  @ApiProperty({ type: 'integer', example: 25 })
  available!: number;

  @ApiProperty({ format: 'date-time', example: WHEN })
  createdAt!: string;
}

export class ProductPageDto extends pageDto(ProductSummaryDto) {}

export class CategoryViewDto implements CategoryView {
  @ApiProperty({ format: 'uuid', example: UUID })
  id!: string;

  @ApiProperty({ example: 'kitchen' })
  slug!: string;

  @ApiProperty({ example: 'Kitchen' })
  name!: string;

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, example: null })
  parentId!: string | null;

  @ApiProperty({ type: 'integer', description: 'Active products in this category and its subcategories.', example: 12 })
  productCount!: number;
}

export class DeletedDto {
  @ApiProperty({ example: true })
  deleted!: boolean;
}

export class StockViewDto implements StockView {
  @ApiProperty({ format: 'uuid', example: UUID })
  productId!: string;

  @ApiProperty({ type: 'integer', example: 30 })
  onHand!: number;

  @ApiProperty({ type: 'integer', description: 'Held for orders not yet paid.', example: 5 })
  reserved!: number;

  @ApiProperty({ type: 'integer', example: 25 })
  available!: number;
}

export class StockMovementViewDto implements StockMovementView {
  @ApiProperty({ format: 'uuid', example: UUID })
  id!: string;

  @ApiProperty({ format: 'uuid', example: UUID })
  productId!: string;

  @ApiProperty({ type: 'integer', example: 10 })
  onHandDelta!: number;

  @ApiProperty({ type: 'integer', example: 0 })
  reservedDelta!: number;

  @ApiProperty({ type: 'integer', example: 30 })
  onHandAfter!: number;

  @ApiProperty({ type: 'integer', example: 5 })
  reservedAfter!: number;

  @ApiProperty({ example: 'delivery from the workshop' })
  reason!: string;

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, example: UUID })
  actorId!: string | null;

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, example: null })
  orderId!: string | null;

  @ApiProperty({ format: 'date-time', example: WHEN })
  createdAt!: string;
}

export class StockMovementPageDto extends pageDto(StockMovementViewDto, { pageSizeExample: 50 }) {}

export class CartLineViewDto implements CartLineView {
  @ApiProperty({ format: 'uuid', example: UUID })
  productId!: string;

  @ApiProperty({ example: 'Stoneware mug' })
  name!: string;

  @ApiProperty({ type: 'integer', minimum: 1, example: 2 })
  quantity!: number;

  @ApiProperty({ type: () => MoneyDto, description: 'The price seen when the line was added.' })
  unitPrice!: MoneyDto;

  @ApiProperty({ type: () => MoneyDto, description: 'The catalog price now (the last one known when the cart is stale).' })
  currentPrice!: MoneyDto;

  @ApiProperty({ example: false })
  priceChanged!: boolean;

  @ApiProperty({ description: 'Archived or no longer active: cannot be checked out.', example: false })
  unavailable!: boolean;

  @ApiProperty({ type: () => MoneyDto })
  lineTotal!: MoneyDto;
}

export class CartViewDto implements CartView {
  @ApiProperty({ format: 'uuid', example: UUID })
  customerId!: string;

  @ApiProperty({ type: [CartLineViewDto] })
  lines!: CartLineViewDto[];

  @ApiProperty({ type: [MoneyDto], description: 'One total per currency, at current prices.' })
  totals!: MoneyDto[];

  @ApiProperty({ description: 'True when the catalog could not be asked and last known data is shown.', example: false })
  stale!: boolean;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: WHEN })
  updatedAt!: string | null;
}
