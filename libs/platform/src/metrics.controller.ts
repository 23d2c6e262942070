import { Controller, Get, Header, Inject } from '@nestjs/common';
import { METRICS_REGISTRY } from '@shop/messaging';
import type { Registry } from 'prom-client';
import { Public } from '@shop/auth';

/** Scraped by Prometheus inside the cluster; the ingress does not route it. */
@Controller()
@Public()
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
