import { NOTIFICATION_TEMPLATES, type NotificationTemplate } from '@shop/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  page?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}

export class ListMailboxQuery extends PageQuery {
  @IsOptional()
  @IsString()
  @MaxLength(254)
  to?: string;

  @IsOptional()
  @IsIn(NOTIFICATION_TEMPLATES)
  template?: NotificationTemplate;
}
