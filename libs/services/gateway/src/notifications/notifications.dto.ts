import { ApiPropertyOptional } from '@nestjs/swagger';
import { NOTIFICATION_TEMPLATES, type NotificationTemplate } from '@shop/contracts';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../common/paging.dto.js';

// The @ApiProperty lines repeat the validation rules for the OpenAPI document
// (the swagger CLI plugin does not run under swc); keep the two in step.

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
