import type { ServiceDefinition } from '@shop/platform';
import { CreateOrders1764000000600 } from './migrations/1764000000600-create-orders.js';
import { OrderModule } from './order.module.js';
import { InventoryEventsController } from './orders/order-saga.js';
import { IdempotencyRecord, Order, OrderHistory, OrderLine, Payment } from './orders/order.entities.js';

export const orderService: ServiceDefinition = {
  name: 'order',
  module: OrderModule,
  defaultHttpPort: 3004,
  rpc: true,
  schema: { entities: [Order, OrderLine, OrderHistory, Payment, IdempotencyRecord], migrations: [CreateOrders1764000000600] },
  eventHandlers: [InventoryEventsController],
};
