import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PRODUCT_SORTS, PRODUCT_STATUSES, type ProductSort, type ProductStatus } from '@shop/contracts';
import { Transform, Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

// The @ApiProperty lines repeat the validation rules for the OpenAPI document
// (the swagger CLI plugin does not run under swc); keep the two in step.

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListProductsQuery {
  @ApiPropertyOptional({ maxLength: 200, description: 'Words searched in name and description.', example: 'mug' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A category; its subcategories are included.' })
  @IsOptional()
  @IsUUID()
  categoryId?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'In minor units.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  minPrice?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'In minor units.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  maxPrice?: number;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  sellerId?: string;

  @ApiPropertyOptional({ type: 'boolean', description: 'Only products with units available now.' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  inStock?: boolean;

  @ApiPropertyOptional({ enum: PRODUCT_STATUSES, enumName: 'ProductStatus', description: 'Sellers and admins: DRAFT or ARCHIVED lists their unpublished products (sellers: their own only). Default ACTIVE.' })
  @IsOptional()
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;

  @ApiPropertyOptional({ enum: PRODUCT_SORTS, enumName: 'ProductSort', default: 'newest' })
  @IsOptional()
  @IsIn(PRODUCT_SORTS)
  sort?: ProductSort;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100_000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  page?: number;

  /** Larger values are clamped to 100 by the product service. */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, default: 20, description: 'Larger values are clamped to 100.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  pageSize?: number;
}

export class MoneyBody {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Minor units (cents).', example: 1299 })
  @IsInt()
  @Min(0)
  amount!: number;

  @ApiProperty({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code.', example: 'EUR' })
  @IsString()
  @Matches(/^[A-Z]{3}$/)
  currency!: string;
}

export class CreateProductBody {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Stoneware mug' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ maxLength: 150, description: 'Derived from the name when left out.', example: 'stoneware-mug' })
  @IsOptional()
  @IsString()
  @MaxLength(150)
  slug?: string;

  @ApiPropertyOptional({ maxLength: 10_000, example: 'A 350 ml mug, dishwasher safe.' })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  categoryId?: string;

  @ApiProperty({ type: () => MoneyBody })
  @ValidateNested()
  @Type(() => MoneyBody)
  price!: MoneyBody;

  @ApiPropertyOptional({ type: [String], example: ['https://cdn.example.com/mug.jpg'] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  images?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { colour: 'blue' } })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, string>;

  @ApiPropertyOptional({ enum: PRODUCT_STATUSES, enumName: 'ProductStatus', default: 'ACTIVE' })
  @IsOptional()
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Initial stock on hand.', example: 25 })
  @IsOptional()
  @IsInt()
  @Min(0)
  stock?: number;

  /** Admins only: the seller the product belongs to. */
  @ApiPropertyOptional({ format: 'uuid', description: 'Admins only: the seller the product belongs to (a seller\'s products are always their own).' })
  @IsOptional()
  @IsUUID()
  sellerId?: string;
}

export class UpdateProductBody {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'Optimistic concurrency: the version last read; another version answers PRODUCT.VERSION_CONFLICT.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;

  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ maxLength: 10_000 })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  categoryId?: string;

  @ApiPropertyOptional({ type: () => MoneyBody })
  @IsOptional()
  @ValidateNested()
  @Type(() => MoneyBody)
  price?: MoneyBody;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  images?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, string>;

  @ApiPropertyOptional({ enum: PRODUCT_STATUSES, enumName: 'ProductStatus' })
  @IsOptional()
  @IsIn(PRODUCT_STATUSES)
  status?: ProductStatus;
}

export class AdjustStockBody {
  @ApiProperty({ enum: ['set', 'delta'], description: '`set`: on hand becomes `quantity`; `delta`: on hand changes by `quantity`.', example: 'delta' })
  @IsIn(['set', 'delta'])
  mode!: 'set' | 'delta';

  @ApiProperty({ type: 'integer', example: 10 })
  @IsInt()
  quantity!: number;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'delivery from the workshop' })
  @IsString()
  @Length(1, 200)
  reason!: string;
}

/** The pages of a product's stock movements (50 by default, at most 200). */
export class StockMovementsQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, default: 50, description: 'Larger values are clamped to 200.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  pageSize?: number;
}

export class CreateCategoryBody {
  @ApiProperty({ minLength: 1, maxLength: 120, example: 'Kitchen' })
  @IsString()
  @Length(1, 120)
  name!: string;

  @ApiPropertyOptional({ maxLength: 150, description: 'Derived from the name when left out.', example: 'kitchen' })
  @IsOptional()
  @IsString()
  @MaxLength(150)
  slug?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  parentId?: string;
}

export class UpdateCategoryBody {
  @ApiPropertyOptional({ minLength: 1, maxLength: 120 })
  @IsOptional()
  @IsString()
  @Length(1, 120)
  name?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  parentId?: string;
}

export class CartItemBody {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  productId!: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'Units added to the line (a line holds at most the configured maximum).', example: 1 })
  @IsInt()
  @Min(1)
  quantity!: number;
}

export class CartQuantityBody {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'The line\'s new quantity; 0 removes the line.', example: 2 })
  @IsInt()
  @Min(0)
  quantity!: number;
}
