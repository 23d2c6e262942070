import { Module } from '@nestjs/common';
import { envInt } from '@shop/contracts';
import { APP_ENV } from '@shop/platform';
import { IdempotencyService } from './orders/idempotency.service.js';
import { OrderLifecycle } from './orders/order-lifecycle.js';
import { InventoryEventsController, OrderSaga, OrderSagaTimer, SAGA_INTERVAL_MS } from './orders/order-saga.js';
import { OrderMetrics } from './orders/order.metrics.js';
import { OrdersRpcController } from './orders/orders.rpc.controller.js';
import { ORDER_SETTINGS, type OrderSettings, OrdersService } from './orders/orders.service.js';
import { PAYMENT_SETTINGS, PaymentProvider, SimulatedPaymentProvider, type SimulatorSettings } from './payments/payment-provider.js';

function orderSettings(env: NodeJS.ProcessEnv): OrderSettings {
  return {
    inventoryTimeoutMs: envInt(env, 'ORDER_INVENTORY_TIMEOUT_MS', 30_000),
    inventoryMaxAttempts: envInt(env, 'ORDER_INVENTORY_MAX_ATTEMPTS', 3),
    paymentLockMs: envInt(env, 'PAYMENT_TIMEOUT_MS', 10_000) * 3,
  };
}

function paymentSettings(env: NodeJS.ProcessEnv): SimulatorSettings {
  return { timeoutMs: envInt(env, 'PAYMENT_TIMEOUT_MS', 10_000), latencyMs: envInt(env, 'PAYMENT_SIMULATOR_LATENCY_MS', 20, 0) };
}

@Module({
  controllers: [OrdersRpcController, InventoryEventsController],
  providers: [
    OrdersService,
    OrderLifecycle,
    OrderSaga,
    OrderSagaTimer,
    IdempotencyService,
    OrderMetrics,
    { provide: PaymentProvider, useClass: SimulatedPaymentProvider },
    { provide: ORDER_SETTINGS, inject: [APP_ENV], useFactory: orderSettings },
    { provide: PAYMENT_SETTINGS, inject: [APP_ENV], useFactory: paymentSettings },
    { provide: SAGA_INTERVAL_MS, inject: [APP_ENV], useFactory: (env: NodeJS.ProcessEnv) => envInt(env, 'ORDER_SAGA_INTERVAL_MS', 1_000) },
  ],
  exports: [OrdersService, OrderSaga],
})
export class OrderModule {}
