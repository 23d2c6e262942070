import { Controller, Get, Optional } from '@nestjs/common';
import { Roles } from '@shop/auth';
import { DiscoveryClient, type InstanceView } from '@shop/discovery-client';

export interface ServicesView {
  /** When the gateway last read the registry, and whether that copy is too old to prove a service missing. */
  fetchedAt?: string;
  stale: boolean;
  discovery: string[];
  services: Array<{ service: string; up: number; instances: InstanceView[] }>;
}

/** The registry as the gateway sees it (the copy it routes by). */
@Controller('api/v1/admin/services')
@Roles('ADMIN')
export class AdminServicesHttpController {
  constructor(@Optional() private readonly discovery?: DiscoveryClient) {}

  @Get()
  list(): ServicesView {
    if (!this.discovery) return { stale: true, discovery: [], services: [] };
    const snap = this.discovery.snapshot();
    const by = new Map<string, InstanceView[]>();
    for (const i of snap.instances) by.set(i.service, [...(by.get(i.service) ?? []), i]);
    return {
      ...(snap.fetchedAt ? { fetchedAt: snap.fetchedAt } : {}),
      stale: snap.stale,
      discovery: this.discovery.options.urls,
      services: [...by.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([service, instances]) => ({ service, up: instances.filter((i) => i.status === 'UP').length, instances })),
    };
  }
}
