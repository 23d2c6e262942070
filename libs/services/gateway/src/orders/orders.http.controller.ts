import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '@shop/auth';
import { DomainError, ErrorCodes, type OrderView } from '@shop/contracts';
import { RpcClient } from '@shop/messaging';
import type { FastifyReply } from 'fastify';
import { ApiEndpoint, ApiIdempotencyKey, ApiProblems, ApiUuidParam, idempotentCreationHeaders } from '../openapi/api-docs.decorators.js';
import { CancelBody, CheckoutBody, ListOrdersQuery, PayBody, ShipBody } from './orders.dto.js';
import { OrderHistoryEntryDto, OrderPageDto, OrderViewDto } from './orders.views.js';

// The lifecycle as libs/services/order/src/orders/order-transitions.ts has it.
const LIFECYCLE_TEXT =
  'The lifecycle: PENDING → CONFIRMED (stock reserved), REJECTED (it could not be) or CANCELLED; CONFIRMED → PAID (the customer pays) or CANCELLED (cancelled, or its payment window closed); PAID → SHIPPED (every line shipped) or CANCELLED (refunded); SHIPPED → DELIVERED. DELIVERED, REJECTED and CANCELLED are final.';
const CANCEL_TEXT =
  'A customer cancels their own order, an admin any, while it is PENDING, CONFIRMED or PAID and no line has shipped (ORDER.TRANSITION_FORBIDDEN otherwise). A paid order is refunded (a REFUNDED payment is recorded) and its units go back on hand; an unpaid order\'s reserved stock is released.';
const SHIP_TEXT =
  'A PAID order ships line by line: a seller ships their own lines, an admin all lines left, each with its carrier and tracking number. The order is SHIPPED once every line has shipped; until then each shipment is a history entry. Shipping lines that have all shipped already answers ORDER.TRANSITION_FORBIDDEN.';
const DELIVER_TEXT =
  'A SHIPPED order is delivered line by line: a seller confirms their own lines, an admin all lines left. The order is DELIVERED (final) once every line is; confirming lines delivered already answers ORDER.TRANSITION_FORBIDDEN.';
const PAY_TEXT = [
  'Pays a CONFIRMED order with a token of the payment provider; answers the PAID order. Paying an order that is paid already answers it again (nothing is charged twice); one payment runs at a time per order (PAYMENT.IN_PROGRESS).',
  'The simulated provider (the only one so far) takes these test tokens: `tok_visa` and `tok_mastercard` succeed; `tok_chargeDeclined` is declined (PAYMENT.DECLINED, 402); `tok_timeout` never answers, and the charge times out after PAYMENT_TIMEOUT_MS (PAYMENT.TIMEOUT, 504). Any other token is refused (VALIDATION_FAILED).',
  'After a declined or timed-out payment the order stays CONFIRMED and may be paid again until its payment window closes (`paymentDueAt`; the configuration key `order.payment-window-ms`, default 15 minutes). Then the order is CANCELLED and its stock released. Paying after the window closed answers ORDER.PAYMENT_WINDOW_CLOSED (a charge that succeeded while the window closed is refunded), and ORDER.TRANSITION_FORBIDDEN once the order is CANCELLED.',
].join('\n\n');

@Controller('api/v1/orders')
@ApiTags('orders')
export class OrdersHttpController {
  constructor(private readonly rpc: RpcClient) {}

  /**
   * Turns the caller's cart into an order. `Idempotency-Key` is required: the
   * same key and body replay the first answer (with `Idempotent-Replayed: true`).
   */
  @Post()
  @Roles('CUSTOMER')
  @HttpCode(HttpStatus.CREATED)
  @ApiEndpoint(
    'Place an order from the cart',
    { type: OrderViewDto, description: 'The order, PENDING until the stock is reserved (then CONFIRMED, or REJECTED when it cannot be). Poll `GET /api/v1/orders/{id}`.', headers: idempotentCreationHeaders('/api/v1/orders/0192f0c4-6b1e-7cc3-9a57-3f1c2d4e5a6b') },
    'Prices the caller\'s cart from the catalog (never from the client) and places the order; the stock is reserved asynchronously. What was ordered leaves the cart once the order is CONFIRMED. Products no longer for sale answer PRODUCT.UNAVAILABLE; a cart in several currencies VALIDATION_FAILED.\n\n' + LIFECYCLE_TEXT,
  )
  @ApiIdempotencyKey()
  @ApiProblems(ErrorCodes.ORDER_CART_EMPTY, ErrorCodes.PRODUCT_UNAVAILABLE)
  async checkout(@Headers('idempotency-key') key: string | undefined, @Body() body: CheckoutBody, @Res({ passthrough: true }) reply: FastifyReply): Promise<OrderView> {
    if (!key) throw new DomainError(ErrorCodes.IDEMPOTENCY_KEY_REQUIRED, 'the Idempotency-Key header is required');
    const { order, replayed } = await this.rpc.send('order.checkout', { idempotencyKey: key, shippingAddress: body.shippingAddress });
    if (replayed) void reply.header('idempotent-replayed', 'true');
    void reply.header('location', `/api/v1/orders/${order.id}`);
    return order;
  }

  @Get()
  @Roles('CUSTOMER', 'SELLER', 'ADMIN')
  @ApiEndpoint('List orders, newest first', OrderPageDto, 'Customers see their own orders, sellers the orders holding their products (with their lines only), admins all. Filter by status and by creation time (`from` inclusive, `to` exclusive).')
  list(@Query() query: ListOrdersQuery) {
    return this.rpc.send('order.list', query);
  }

  @Get(':id')
  @Roles('CUSTOMER', 'SELLER', 'ADMIN')
  @ApiEndpoint('One order', OrderViewDto, 'Its customer, the sellers with lines in it (who see their lines only, and no payments) and admins may read it; anyone else gets ORDER.NOT_FOUND.')
  @ApiUuidParam('id', 'The order.')
  @ApiProblems(ErrorCodes.ORDER_NOT_FOUND)
  get(@Param('id', ParseUUIDPipe) orderId: string) {
    return this.rpc.send('order.get', { orderId });
  }

  @Get(':id/history')
  @Roles('CUSTOMER', 'SELLER', 'ADMIN')
  @ApiEndpoint('An order\'s history, oldest first', [OrderHistoryEntryDto], 'Every step with who took it and why. Visible to whom the order is (see `GET /api/v1/orders/{id}`).')
  @ApiUuidParam('id', 'The order.')
  @ApiProblems(ErrorCodes.ORDER_NOT_FOUND)
  history(@Param('id', ParseUUIDPipe) orderId: string) {
    return this.rpc.send('order.history', { orderId });
  }

  @Post(':id/payment')
  @Roles('CUSTOMER')
  @HttpCode(HttpStatus.OK)
  @ApiEndpoint('Pay an order', OrderViewDto, PAY_TEXT)
  @ApiUuidParam('id', 'The order.')
  @ApiProblems(ErrorCodes.ORDER_NOT_FOUND, ErrorCodes.PAYMENT_DECLINED, ErrorCodes.PAYMENT_TIMEOUT, ErrorCodes.PAYMENT_IN_PROGRESS, ErrorCodes.ORDER_PAYMENT_WINDOW_CLOSED, ErrorCodes.ORDER_TRANSITION_FORBIDDEN)
  pay(@Param('id', ParseUUIDPipe) orderId: string, @Body() body: PayBody) {
    return this.rpc.send('order.pay', { orderId, paymentToken: body.paymentToken });
  }

  @Post(':id/cancel')
  @Roles('CUSTOMER', 'ADMIN')
  @HttpCode(HttpStatus.OK)
  @ApiEndpoint('Cancel an order', OrderViewDto, `${CANCEL_TEXT}\n\n${LIFECYCLE_TEXT}`)
  @ApiUuidParam('id', 'The order.')
  @ApiProblems(ErrorCodes.ORDER_NOT_FOUND, ErrorCodes.ORDER_TRANSITION_FORBIDDEN, ErrorCodes.CONFLICT)
  cancel(@Param('id', ParseUUIDPipe) orderId: string, @Body() body: CancelBody) {
    return this.rpc.send('order.cancel', { orderId, ...(body.reason ? { reason: body.reason } : {}) });
  }

  @Post(':id/ship')
  @Roles('SELLER', 'ADMIN')
  @HttpCode(HttpStatus.OK)
  @ApiEndpoint('Ship an order\'s lines', OrderViewDto, SHIP_TEXT)
  @ApiUuidParam('id', 'The order.')
  @ApiProblems(ErrorCodes.ORDER_NOT_FOUND, ErrorCodes.ORDER_TRANSITION_FORBIDDEN, ErrorCodes.CONFLICT)
  ship(@Param('id', ParseUUIDPipe) orderId: string, @Body() body: ShipBody) {
    return this.rpc.send('order.ship', { orderId, carrier: body.carrier, trackingNumber: body.trackingNumber });
  }

  @Post(':id/deliver')
  @Roles('SELLER', 'ADMIN')
  @HttpCode(HttpStatus.OK)
  @ApiEndpoint('Confirm delivery of an order\'s lines', OrderViewDto, DELIVER_TEXT)
  @ApiUuidParam('id', 'The order.')
  @ApiProblems(ErrorCodes.ORDER_NOT_FOUND, ErrorCodes.ORDER_TRANSITION_FORBIDDEN, ErrorCodes.CONFLICT)
  deliver(@Param('id', ParseUUIDPipe) orderId: string) {
    return this.rpc.send('order.deliver', { orderId });
  }
}
