import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ORDER_STATUSES, type OrderStatus } from '@shop/contracts';
import { Type } from 'class-transformer';
import { IsISO8601, IsIn, IsOptional, IsString, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
import { PageQuery } from '../common/paging.dto.js';

// The @ApiProperty lines repeat the validation rules for the OpenAPI document
// (the swagger CLI plugin does not run under swc); keep the two in step.

export class ShippingAddressBody {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Ada Lovelace' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: '12 Analytical Row' })
  @IsString()
  @Length(1, 200)
  line1!: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Flat 3' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  line2?: string;

  @ApiProperty({ minLength: 1, maxLength: 100, example: 'London' })
  @IsString()
  @Length(1, 100)
  city!: string;

  @ApiProperty({ minLength: 1, maxLength: 20, example: 'N1 9GU' })
  @IsString()
  @Length(1, 20)
  postalCode!: string;

  @ApiProperty({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2 (stored upper case).', example: 'GB' })
  @Matches(/^[A-Za-z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code' })
  country!: string;
}

export class CheckoutBody {
  @ApiProperty({ type: () => ShippingAddressBody })
  @ValidateNested()
  @Type(() => ShippingAddressBody)
  shippingAddress!: ShippingAddressBody;
}

export class ListOrdersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ORDER_STATUSES, enumName: 'OrderStatus' })
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;

  @ApiPropertyOptional({ format: 'date-time', description: 'ISO 8601: orders created at or after this instant.', example: '2026-11-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'ISO 8601: orders created before this instant.', example: '2026-12-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601()
  to?: string;

}

export class PayBody {
  @ApiProperty({ minLength: 1, maxLength: 64, description: 'A payment method token of the provider. The simulated provider\'s test tokens: `tok_visa`, `tok_mastercard` (succeed), `tok_chargeDeclined` (declined), `tok_timeout` (never answers).', example: 'tok_visa' })
  @IsString()
  @Length(1, 64)
  paymentToken!: string;
}

export class CancelBody {
  @ApiPropertyOptional({ maxLength: 200, description: 'Kept in the order\'s history and `reason` (default: `cancelled by request`).', example: 'ordered by mistake' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reason?: string;
}

export class ShipBody {
  @ApiProperty({ minLength: 1, maxLength: 40, example: 'DHL' })
  @IsString()
  @Length(1, 40)
  carrier!: string;

  @ApiProperty({ pattern: '^[A-Za-z0-9-]{4,64}$', description: '4 to 64 letters, digits or dashes.', example: 'JD014600006281234567' })
  @Matches(/^[A-Za-z0-9-]{4,64}$/, { message: 'trackingNumber must be 4 to 64 letters, digits or dashes' })
  trackingNumber!: string;
}
