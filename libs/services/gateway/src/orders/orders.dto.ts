import { ORDER_STATUSES, type OrderStatus } from '@shop/contracts';
import { Type } from 'class-transformer';
import { IsISO8601, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';

export class ShippingAddressBody {
  @IsString()
  @Length(1, 200)
  name!: string;

  @IsString()
  @Length(1, 200)
  line1!: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  line2?: string;

  @IsString()
  @Length(1, 100)
  city!: string;

  @IsString()
  @Length(1, 20)
  postalCode!: string;

  @Matches(/^[A-Za-z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code' })
  country!: string;
}

export class CheckoutBody {
  @ValidateNested()
  @Type(() => ShippingAddressBody)
  shippingAddress!: ShippingAddressBody;
}

export class ListOrdersQuery {
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;

  @IsOptional()
  @IsISO8601()
  from?: string;

  @IsOptional()
  @IsISO8601()
  to?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}

export class PayBody {
  @IsString()
  @Length(1, 64)
  paymentToken!: string;
}

export class CancelBody {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reason?: string;
}

export class ShipBody {
  @IsString()
  @Length(1, 40)
  carrier!: string;

  @Matches(/^[A-Za-z0-9-]{4,64}$/, { message: 'trackingNumber must be 4 to 64 letters, digits or dashes' })
  trackingNumber!: string;
}
