import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY } from '@shop/messaging';
import { Counter, Histogram, type Registry } from 'prom-client';

/** The order service's business series. */
@Injectable()
export class OrderMetrics {
  readonly orders: Counter<'status'>;
  readonly checkoutDuration: Histogram<'outcome'>;
  readonly payments: Counter<'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
    this.orders =
      existing<Counter<'status'>>('shop_orders_total') ??
      new Counter({ name: 'shop_orders_total', help: 'Orders reaching a status (created, confirmed, rejected, paid, shipped, delivered, cancelled).', labelNames: ['status'], registers: [registry] });
    this.checkoutDuration =
      existing<Histogram<'outcome'>>('shop_checkout_duration_seconds') ??
      new Histogram({
        name: 'shop_checkout_duration_seconds',
        help: 'Time from the checkout request to the inventory’s answer (outcome confirmed or rejected).',
        labelNames: ['outcome'],
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        registers: [registry],
      });
    this.payments =
      existing<Counter<'outcome'>>('shop_payments_total') ??
      new Counter({ name: 'shop_payments_total', help: 'Payment attempts by outcome (succeeded, declined, timeout, refunded).', labelNames: ['outcome'], registers: [registry] });
  }
}
