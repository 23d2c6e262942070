import { Controller, Get, Optional } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Roles } from '@shop/auth';
import { byCodeUnits } from '@shop/contracts';
import { DiscoveryClient, INSTANCE_STATUSES, type InstanceStatus, type InstanceView } from '@shop/discovery-client';
import { ApiEndpoint } from '../openapi/api-docs.decorators.js';

export interface ServicesView {
  /** When the gateway last read the registry, and whether that copy is too old to prove a service missing. */
  fetchedAt?: string;
  stale: boolean;
  discovery: string[];
  services: Array<{ service: string; up: number; instances: InstanceView[] }>;
}

export class InstanceViewDto implements InstanceView {
  @ApiProperty({ example: 'product' })
  service!: string;

  @ApiProperty({ example: 'product-7f9c2' })
  instanceId!: string;

  @ApiProperty({ example: '0.1.0' })
  version!: string;

  @ApiProperty({ example: '10.0.3.17' })
  host!: string;

  @ApiProperty({ type: 'integer', example: 3002 })
  port!: number;

  @ApiPropertyOptional({ example: 'http://10.0.3.17:3002/health/ready' })
  healthUrl?: string;

  @ApiProperty({ enum: INSTANCE_STATUSES, enumName: 'InstanceStatus', example: 'UP' })
  status!: InstanceStatus;

  @ApiPropertyOptional({ description: 'Why the status is what it is (the failed health check).' })
  statusReason?: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: {} })
  metadata!: Record<string, string>;

  @ApiProperty({ format: 'date-time', example: '2026-11-26T08:00:00.000Z' })
  registeredAt!: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-26T08:00:05.000Z' })
  lastHeartbeat!: string;
}

export class ServiceInstancesDto {
  @ApiProperty({ example: 'product' })
  service!: string;

  @ApiProperty({ type: 'integer', description: 'Instances with status UP.', example: 2 })
  up!: number;

  @ApiProperty({ type: [InstanceViewDto] })
  instances!: InstanceViewDto[];
}

export class ServicesViewDto implements ServicesView {
  @ApiPropertyOptional({ format: 'date-time', description: 'When the gateway last read the registry.' })
  fetchedAt?: string;

  @ApiProperty({ description: 'The copy is too old to prove a service missing (discovery unreachable).', example: false })
  stale!: boolean;

  @ApiProperty({ type: [String], description: 'The discovery replicas the gateway reads.', example: ['http://discovery:8761'] })
  discovery!: string[];

  @ApiProperty({ type: [ServiceInstancesDto] })
  services!: ServiceInstancesDto[];
}

/** The registry as the gateway sees it (the copy it routes by). */
@Controller('api/v1/admin/services')
@ApiTags('admin')
@Roles('ADMIN')
export class AdminServicesHttpController {
  constructor(@Optional() private readonly discovery?: DiscoveryClient) {}

  @Get()
  @ApiEndpoint('The service registry as the gateway sees it', ServicesViewDto, 'The copy of the discovery registry the gateway routes by: every live instance per service.')
  list(): ServicesView {
    if (!this.discovery) return { stale: true, discovery: [], services: [] };
    const snap = this.discovery.snapshot();
    const by = new Map<string, InstanceView[]>();
    for (const i of snap.instances) by.set(i.service, [...(by.get(i.service) ?? []), i]);
    return {
      ...(snap.fetchedAt ? { fetchedAt: snap.fetchedAt } : {}),
      stale: snap.stale,
      discovery: this.discovery.options.urls,
      services: [...by.entries()].sort(([a], [b]) => byCodeUnits(a, b)).map(([service, instances]) => ({ service, up: instances.filter((i) => i.status === 'UP').length, instances })),
    };
  }
}
