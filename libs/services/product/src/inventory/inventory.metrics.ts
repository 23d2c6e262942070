import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY } from '@shop/messaging';
import { Counter, type Registry } from 'prom-client';

/** Reservation outcomes on the product service's /metrics. */
@Injectable()
export class InventoryMetrics {
  readonly reservations: Counter<'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const name = 'shop_stock_reservations_total';
    this.reservations =
      (registry.getSingleMetric(name) as Counter<'outcome'> | undefined) ??
      new Counter({ name, help: 'Stock reservations for orders, by outcome (reserved, rejected).', labelNames: ['outcome'], registers: [registry] });
  }
}
