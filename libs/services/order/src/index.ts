export * from './order.service-definition.js';
export * from './order.module.js';
export * from './orders/order-transitions.js';
export { SimulatedPaymentProvider } from './payments/payment-provider.js';
export { requestHash } from './orders/idempotency.service.js';
