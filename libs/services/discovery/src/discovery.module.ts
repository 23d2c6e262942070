import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller.js';
import { DiscoveryServer } from './discovery.server.js';
import { RegistryHttpController } from './registry.http.controller.js';

/** The instance registry: its HTTP API, TTL eviction, health checks, dashboard and Prometheus service discovery. */
@Module({
  controllers: [RegistryHttpController, DashboardController],
  providers: [DiscoveryServer],
  exports: [DiscoveryServer],
})
export class DiscoveryModule {}
