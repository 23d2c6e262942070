import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import {
  ORDER_STATUSES,
  type OrderHistoryEntry,
  type OrderLineView,
  type OrderStatus,
  type OrderSummary,
  type OrderView,
  type PaymentOutcome,
  type PaymentView,
  type ShipmentView,
  type ShippingAddress,
} from '@shop/contracts';
import { MoneyDto } from '../catalog/catalog.views.js';
import { pageDto } from '../openapi/page.dto.js';

// Response shapes of the order routes for the OpenAPI document. Each class
// `implements` its contract type (libs/contracts/src/order.ts), so a contract
// change fails the type check here until the document follows.

const UUID = '0192f0c4-6b1e-7cc3-9a57-3f1c2d4e5a6b';
const WHEN = '2026-11-26T08:00:00.000Z';
const PAYMENT_OUTCOMES: PaymentOutcome[] = ['SUCCEEDED', 'DECLINED', 'TIMEOUT', 'REFUNDED'];

export class ShippingAddressDto implements ShippingAddress {
  @ApiProperty({ example: 'Ada Lovelace' })
  name!: string;

  @ApiProperty({ example: '12 Analytical Row' })
  line1!: string;

  @ApiProperty({ required: false, example: 'Flat 3' })
  line2?: string;

  @ApiProperty({ example: 'London' })
  city!: string;

  @ApiProperty({ example: 'N1 9GU' })
  postalCode!: string;

  @ApiProperty({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, upper case.', example: 'GB' })
  country!: string;
}

export class ShipmentViewDto implements ShipmentView {
  @ApiProperty({ example: 'DHL' })
  carrier!: string;

  @ApiProperty({ example: 'JD014600006281234567' })
  trackingNumber!: string;

  @ApiProperty({ format: 'date-time', example: WHEN })
  shippedAt!: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null })
  deliveredAt!: string | null;
}

@ApiExtraModels(ShipmentViewDto)
export class OrderLineViewDto implements OrderLineView {
  @ApiProperty({ format: 'uuid', example: UUID })
  productId!: string;

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, example: UUID })
  sellerId!: string | null;

  @ApiProperty({ description: 'The product\'s name when the order was placed.', example: 'Stoneware mug' })
  name!: string;

  @ApiProperty({ type: 'integer', minimum: 1, example: 2 })
  quantity!: number;

  @ApiProperty({ type: () => MoneyDto, description: 'The catalog price when the order was placed.' })
  unitPrice!: MoneyDto;

  @ApiProperty({ type: () => MoneyDto })
  lineTotal!: MoneyDto;

  @ApiProperty({ oneOf: [{ $ref: getSchemaPath(ShipmentViewDto) }, { type: 'null' }], description: 'Set once the line has shipped.' })
  shipment!: ShipmentViewDto | null;
}

export class PaymentViewDto implements PaymentView {
  @ApiProperty({ format: 'uuid', example: UUID })
  id!: string;

  @ApiProperty({ enum: PAYMENT_OUTCOMES, enumName: 'PaymentOutcome', description: 'REFUNDED rows record the refund of a successful payment (an order cancelled after it was paid).', example: 'SUCCEEDED' })
  outcome!: PaymentOutcome;

  @ApiProperty({ type: () => MoneyDto })
  amount!: MoneyDto;

  @ApiProperty({ description: 'The payment token masked: a token of up to 8 characters as it is (`tok_visa`), a longer one as its last 8 (`…stercard`).', example: '…Declined' })
  method!: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'The provider\'s charge or refund reference (none for a declined or timed-out charge).', example: 'ch_0192f0c46b1e7cc39a573f1c2d4e5a6b' })
  providerReference!: string | null;

  @ApiProperty({ format: 'date-time', example: WHEN })
  createdAt!: string;
}

export class OrderHistoryEntryDto implements OrderHistoryEntry {
  @ApiProperty({ format: 'date-time', example: WHEN })
  at!: string;

  @ApiProperty({ description: '`user:<id>`, `service:<name>` or `system`.', example: `user:${UUID}` })
  actor!: string;

  @ApiProperty({ enum: ORDER_STATUSES, enumName: 'OrderStatus', nullable: true, description: 'None for the entry that created the order; the same as `to` for a step that changed no status (part of an order shipped).', example: 'CONFIRMED' })
  from!: OrderStatus | null;

  @ApiProperty({ enum: ORDER_STATUSES, enumName: 'OrderStatus', example: 'PAID' })
  to!: OrderStatus;

  @ApiProperty({ example: 'paid (ch_0192f0c46b1e7cc39a573f1c2d4e5a6b)' })
  reason!: string;
}

export class OrderViewDto implements OrderView {
  @ApiProperty({ format: 'uuid', example: UUID })
  id!: string;

  @ApiProperty({ format: 'uuid', example: UUID })
  customerId!: string;

  @ApiProperty({ enum: ORDER_STATUSES, enumName: 'OrderStatus', example: 'CONFIRMED' })
  status!: OrderStatus;

  @ApiProperty({ type: [OrderLineViewDto], description: 'A seller sees their own lines only.' })
  lines!: OrderLineViewDto[];

  @ApiProperty({ type: () => MoneyDto, description: 'The order\'s total (a seller\'s: of their lines).' })
  total!: MoneyDto;

  @ApiProperty({ type: () => ShippingAddressDto })
  shippingAddress!: ShippingAddressDto;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'Until when a CONFIRMED order waits for its payment.', example: WHEN })
  paymentDueAt!: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'Why the order was rejected or cancelled.', example: null })
  reason!: string | null;

  @ApiProperty({ type: [PaymentViewDto], description: 'Payment attempts and refunds, oldest first (empty for a seller).' })
  payments!: PaymentViewDto[];

  @ApiProperty({ type: [OrderHistoryEntryDto], description: 'Every step of the order, oldest first.' })
  history!: OrderHistoryEntryDto[];

  @ApiProperty({ format: 'date-time', example: WHEN })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', example: WHEN })
  updatedAt!: string;
}

export class OrderSummaryDto implements OrderSummary {
  @ApiProperty({ format: 'uuid', example: UUID })
  id!: string;

  @ApiProperty({ format: 'uuid', example: UUID })
  customerId!: string;

  @ApiProperty({ enum: ORDER_STATUSES, enumName: 'OrderStatus', example: 'PAID' })
  status!: OrderStatus;

  @ApiProperty({ type: () => MoneyDto, description: 'The order\'s total (a seller\'s: of their lines).' })
  total!: MoneyDto;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Lines in the order (a seller\'s: their lines).', example: 2 })
  lineCount!: number;

  @ApiProperty({ format: 'date-time', example: WHEN })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', example: WHEN })
  updatedAt!: string;
}

export class OrderPageDto extends pageDto(OrderSummaryDto, { itemsDescription: 'Newest first.', maxPageSize: 100 }) {}
