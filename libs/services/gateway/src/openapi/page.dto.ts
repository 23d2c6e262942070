import type { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import type { Page } from '@shop/contracts';

export interface PageDtoOptions {
  /** Said of the items: their order, for instance. */
  itemsDescription?: string;
  /** The largest page the route serves. */
  maxPageSize?: number;
  pageSizeExample?: number;
}

/**
 * The documented page of a list, for its item class; name it by extending:
 * `export class OrderPageDto extends pageDto(OrderSummaryDto, { maxPageSize: 100 }) {}`
 * (the schema takes the subclass's name).
 */
export function pageDto<T>(item: Type<T>, opts: PageDtoOptions = {}): Type<Page<T>> {
  class PageOf implements Page<T> {
    @ApiProperty({ type: [item], ...(opts.itemsDescription ? { description: opts.itemsDescription } : {}) })
    items!: T[];

    @ApiProperty({ type: 'integer', minimum: 0, example: 1 })
    total!: number;

    @ApiProperty({ type: 'integer', minimum: 1, example: 1 })
    page!: number;

    @ApiProperty({ type: 'integer', minimum: 1, ...(opts.maxPageSize ? { maximum: opts.maxPageSize } : {}), example: opts.pageSizeExample ?? 20 })
    pageSize!: number;
  }
  return PageOf;
}
