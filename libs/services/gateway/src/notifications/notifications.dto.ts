import { ApiPropertyOptional } from '@nestjs/swagger';
import { NOTIFICATION_TEMPLATES, type NotificationTemplate } from '@shop/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

// The @ApiProperty lines repeat the validation rules for the OpenAPI document
// (the swagger CLI plugin does not run under swc); keep the two in step.

export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100_000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  page?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}

export class ListMailboxQuery extends PageQuery {
  @ApiPropertyOptional({ maxLength: 254, description: 'Only messages to this address (compared case-insensitively).', example: 'ada@example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  to?: string;

  @ApiPropertyOptional({ enum: NOTIFICATION_TEMPLATES, enumName: 'NotificationTemplate' })
  @IsOptional()
  @IsIn(NOTIFICATION_TEMPLATES)
  template?: NotificationTemplate;
}
