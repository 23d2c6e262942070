import { Body, Controller, Delete, Get, Header, Headers, HttpCode, HttpStatus, Param, Post, Put, Res } from '@nestjs/common';
import { Public } from '@shop/auth';
import { DomainError, ErrorCodes } from '@shop/contracts';
import type { InstanceView, PrometheusTargetGroup, RegistryView } from '@shop/discovery-client';
import { INSTANCE_STATUSES, type InstanceStatus } from '@shop/discovery-client';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { DiscoveryServer } from './discovery.server.js';

const SERVICE = /^[a-z][a-z0-9-]{0,62}$/;
const INSTANCE_ID = /^[A-Za-z0-9._:[\]-]{1,200}$/;

export class RegisterInstanceBody {
  @Matches(SERVICE)
  service!: string;

  @Matches(INSTANCE_ID)
  instanceId!: string;

  @IsString()
  @MaxLength(64)
  version!: string;

  @IsString()
  @Matches(/^[A-Za-z0-9.:[\]-]{1,253}$/)
  host!: string;

  @IsInt()
  @Min(1)
  @Max(65_535)
  port!: number;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  healthUrl?: string;

  @IsOptional()
  @IsIn(INSTANCE_STATUSES)
  status?: InstanceStatus;

  @IsOptional()
  @IsObject()
  metadata?: Record<string, string>;
}

function checkRegistration(body: RegisterInstanceBody): void {
  const meta = body.metadata ?? {};
  const entries = Object.entries(meta);
  if (entries.length > 32 || entries.some(([k, v]) => typeof v !== 'string' || k.length > 64 || v.length > 500)) {
    throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'metadata must be at most 32 string values (keys up to 64, values up to 500 characters)');
  }
  if (body.healthUrl !== undefined) {
    // Discovery fetches this URL: it may only point at the instance itself, or anyone could make discovery call anything.
    let url: URL;
    try {
      url = new URL(body.healthUrl);
    } catch {
      throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'healthUrl is not a URL');
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (!['http:', 'https:'].includes(url.protocol) || host !== body.host.replace(/^\[|\]$/g, '') || port !== body.port) {
      throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'healthUrl must be an http(s) URL on the instance host and port');
    }
  }
}

/**
 * The registry API (internal: the discovery port is not routed by the
 * ingress). Apps register, heartbeat and deregister; anyone inside reads.
 */
@Controller()
@Public()
export class RegistryHttpController {
  constructor(private readonly server: DiscoveryServer) {}

  @Post('registry/instances')
  @HttpCode(HttpStatus.CREATED)
  register(@Body() body: RegisterInstanceBody): InstanceView {
    checkRegistration(body);
    try {
      return this.server.registry.register(body);
    } catch (err) {
      throw new DomainError(ErrorCodes.SERVICE_UNAVAILABLE, err instanceof Error ? err.message : String(err));
    }
  }

  /** The heartbeat: 404 tells the app to register again. */
  @Put('registry/instances/:service/:instanceId')
  heartbeat(@Param('service') service: string, @Param('instanceId') instanceId: string): { status: InstanceStatus; lastHeartbeat: string } {
    const view = this.server.registry.heartbeat(service, instanceId);
    if (!view) throw new DomainError(ErrorCodes.NOT_FOUND, `no instance ${instanceId} of ${service}: register again`);
    return { status: view.status, lastHeartbeat: view.lastHeartbeat };
  }

  @Delete('registry/instances/:service/:instanceId')
  @HttpCode(HttpStatus.NO_CONTENT)
  deregister(@Param('service') service: string, @Param('instanceId') instanceId: string): void {
    this.server.registry.deregister(service, instanceId);
  }

  /** The whole registry, with an ETag: clients poll it with If-None-Match. */
  @Get('registry')
  registry(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): RegistryView | undefined {
    const view = this.server.registry.view(this.server.ttlMs());
    const etag = `"${view.version}"`;
    void reply.header('etag', etag).header('cache-control', 'no-cache');
    if (ifNoneMatch === etag) {
      void reply.status(HttpStatus.NOT_MODIFIED);
      return undefined;
    }
    return view;
  }

  @Get('registry/services')
  services(): Array<{ service: string; instances: number; up: number }> {
    return this.server.registry.services();
  }

  @Get('registry/services/:service')
  service(@Param('service') service: string): { service: string; instances: InstanceView[] } {
    return { service, instances: this.server.registry.list(service) };
  }

  /** Server-sent events: the registry on every change and every 2 s (the dashboard's live feed). */
  @Get('registry/events')
  events(@Res() reply: FastifyReply): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    raw.write('retry: 1000\n\n');
    const unsubscribe = this.server.stream((event) => raw.write(`data: ${JSON.stringify(event)}\n\n`));
    const end = () => {
      unsubscribe();
      if (!raw.writableEnded) raw.end();
    };
    const forget = this.server.onClose(end);
    raw.on('close', () => {
      unsubscribe();
      forget();
    });
  }

  /** Prometheus HTTP service discovery (`http_sd_configs`): every live instance's /metrics. */
  @Get('sd/prometheus')
  @Header('content-type', 'application/json; charset=utf-8')
  prometheus(): PrometheusTargetGroup[] {
    return this.server.registry.prometheusTargets();
  }
}
