import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY, counterIn, histogramIn } from '@shop/messaging';
import type { Counter, Histogram, Registry } from 'prom-client';

/** The order service's business series. */
@Injectable()
export class OrderMetrics {
  readonly orders: Counter<'status'>;
  readonly checkoutDuration: Histogram<'outcome'>;
  readonly payments: Counter<'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.orders = counterIn(registry, 'shop_orders_total', 'Orders reaching a status (created, confirmed, rejected, paid, shipped, delivered, cancelled).', ['status']);
    this.checkoutDuration = histogramIn(
      registry,
      'shop_checkout_duration_seconds',
      'Time from the checkout request to the inventory’s answer (outcome confirmed or rejected).',
      ['outcome'],
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    );
    this.payments = counterIn(registry, 'shop_payments_total', 'Payment attempts by outcome (succeeded, declined, timeout, refunded).', ['outcome']);
  }
}
