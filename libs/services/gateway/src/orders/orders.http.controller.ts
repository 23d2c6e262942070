import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { Roles } from '@shop/auth';
import { DomainError, ErrorCodes, type OrderView } from '@shop/contracts';
import { RpcClient } from '@shop/messaging';
import type { FastifyReply } from 'fastify';
import { CancelBody, CheckoutBody, ListOrdersQuery, PayBody, ShipBody } from './orders.dto.js';

@Controller('api/v1/orders')
export class OrdersHttpController {
  constructor(private readonly rpc: RpcClient) {}

  /**
   * Turns the caller's cart into an order. `Idempotency-Key` is required: the
   * same key and body replay the first answer (with `Idempotent-Replayed: true`).
   */
  @Post()
  @Roles('CUSTOMER')
  @HttpCode(HttpStatus.CREATED)
  async checkout(@Headers('idempotency-key') key: string | undefined, @Body() body: CheckoutBody, @Res({ passthrough: true }) reply: FastifyReply): Promise<OrderView> {
    if (!key) throw new DomainError(ErrorCodes.IDEMPOTENCY_KEY_REQUIRED, 'the Idempotency-Key header is required');
    const { order, replayed } = await this.rpc.send('order.checkout', { idempotencyKey: key, shippingAddress: body.shippingAddress });
    if (replayed) void reply.header('idempotent-replayed', 'true');
    void reply.header('location', `/api/v1/orders/${order.id}`);
    return order;
  }

  @Get()
  @Roles('CUSTOMER', 'SELLER', 'ADMIN')
  list(@Query() query: ListOrdersQuery) {
    return this.rpc.send('order.list', query);
  }

  @Get(':id')
  @Roles('CUSTOMER', 'SELLER', 'ADMIN')
  get(@Param('id', ParseUUIDPipe) orderId: string) {
    return this.rpc.send('order.get', { orderId });
  }

  @Get(':id/history')
  @Roles('CUSTOMER', 'SELLER', 'ADMIN')
  history(@Param('id', ParseUUIDPipe) orderId: string) {
    return this.rpc.send('order.history', { orderId });
  }

  @Post(':id/payment')
  @Roles('CUSTOMER')
  @HttpCode(HttpStatus.OK)
  pay(@Param('id', ParseUUIDPipe) orderId: string, @Body() body: PayBody) {
    return this.rpc.send('order.pay', { orderId, paymentToken: body.paymentToken });
  }

  @Post(':id/cancel')
  @Roles('CUSTOMER', 'ADMIN')
  @HttpCode(HttpStatus.OK)
  cancel(@Param('id', ParseUUIDPipe) orderId: string, @Body() body: CancelBody) {
    return this.rpc.send('order.cancel', { orderId, ...(body.reason ? { reason: body.reason } : {}) });
  }

  @Post(':id/ship')
  @Roles('SELLER', 'ADMIN')
  @HttpCode(HttpStatus.OK)
  ship(@Param('id', ParseUUIDPipe) orderId: string, @Body() body: ShipBody) {
    return this.rpc.send('order.ship', { orderId, carrier: body.carrier, trackingNumber: body.trackingNumber });
  }

  @Post(':id/deliver')
  @Roles('SELLER', 'ADMIN')
  @HttpCode(HttpStatus.OK)
  deliver(@Param('id', ParseUUIDPipe) orderId: string) {
    return this.rpc.send('order.deliver', { orderId });
  }
}
