import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY, counterIn } from '@shop/messaging';
import type { Counter, Registry } from 'prom-client';

/** Reservation outcomes on the product service's /metrics. */
@Injectable()
export class InventoryMetrics {
  readonly reservations: Counter<'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.reservations = counterIn(registry, 'shop_stock_reservations_total', 'Stock reservations for orders, by outcome (reserved, rejected).', ['outcome']);
  }
}
