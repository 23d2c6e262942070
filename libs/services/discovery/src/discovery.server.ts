import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LiveConfig } from '@shop/config-client';
import type { InstanceView, RegistryView } from '@shop/discovery-client';
import { METRICS_REGISTRY } from '@shop/messaging';
import { APP_ENV } from '@shop/platform';
import { Counter, Gauge, type Registry } from 'prom-client';
import { InstanceRegistry, type RegistryChange } from './instance-registry.js';

export interface RemovedInstance {
  service: string;
  instanceId: string;
  reason: 'evicted' | 'deregistered';
  at: string;
}

/** What the dashboard's event stream carries: the registry and the instances that left it lately. */
export interface DashboardEvent extends RegistryView {
  removed: RemovedInstance[];
}

const REMOVED_KEPT_MS = 5 * 60_000;

/**
 * One discovery replica: the registry, TTL eviction (DISCOVERY_TTL_MS,
 * refreshable), health checks of every instance's health URL
 * (DISCOVERY_HEALTH_INTERVAL_MS, refreshable; DISCOVERY_HEALTH_TIMEOUT_MS)
 * that mark it DOWN or UP again, metrics, and the dashboard's live stream.
 */
@Injectable()
export class DiscoveryServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Discovery');
  readonly registry = new InstanceRegistry();
  private readonly removed: RemovedInstance[] = [];
  private readonly streams = new Set<(event: DashboardEvent) => void>();
  private readonly checking = new Set<string>();
  private readonly closers = new Set<() => void>();
  private sweepTimer?: NodeJS.Timeout;
  private healthTimer?: NodeJS.Timeout;
  private pushTimer?: NodeJS.Timeout;
  private pushPending?: NodeJS.Timeout;
  private readonly evictions: Counter<'registered_service'>;

  constructor(
    private readonly live: LiveConfig,
    @Inject(METRICS_REGISTRY) metrics: Registry,
    @Inject(APP_ENV) private readonly env: NodeJS.ProcessEnv,
  ) {
    this.evictions = new Counter({ name: 'shop_discovery_evictions_total', help: 'Instances evicted after missing heartbeats for the TTL.', labelNames: ['registered_service'], registers: [metrics] });
    const registry = this.registry;
    new Gauge({
      name: 'shop_discovery_instances',
      help: 'Registered instances by service and status.',
      // Not "service": every series of this app already carries service="discovery" (the registry's default label).
      labelNames: ['registered_service', 'status'],
      registers: [metrics],
      collect() {
        this.reset();
        for (const i of registry.list()) this.inc({ registered_service: i.service, status: i.status });
      },
    });
    this.registry.onChange((change, instance) => this.onRegistryChange(change, instance));
  }

  ttlMs(): number {
    return this.live.int('discovery.ttl-ms', 15_000);
  }

  private healthIntervalMs(): number {
    return this.live.int('discovery.health-interval-ms', 10_000);
  }

  private healthTimeoutMs(): number {
    const n = Number(this.env['DISCOVERY_HEALTH_TIMEOUT_MS'] || 2_000);
    return Number.isInteger(n) && n > 0 ? n : 2_000;
  }

  onApplicationBootstrap(): void {
    this.sweepTimer = setInterval(() => this.sweep(), 200).unref();
    this.pushTimer = setInterval(() => this.push(), 2_000).unref();
    const scheduleHealth = () => {
      this.healthTimer = setTimeout(() => {
        void this.checkAll().finally(scheduleHealth);
      }, this.healthIntervalMs()).unref();
    };
    scheduleHealth();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
    clearInterval(this.pushTimer);
    clearTimeout(this.healthTimer);
    clearTimeout(this.pushPending);
    // Open event streams would hold the HTTP server open: end them first.
    for (const close of [...this.closers]) close();
    this.closers.clear();
  }

  /** Runs when the app shuts down (ends long-lived responses); returns the way to cancel it. */
  onClose(close: () => void): () => void {
    this.closers.add(close);
    return () => this.closers.delete(close);
  }

  private onRegistryChange(change: RegistryChange, i: InstanceView): void {
    if (change === 'evicted' || change === 'deregistered') {
      this.removed.unshift({ service: i.service, instanceId: i.instanceId, reason: change, at: new Date().toISOString() });
      this.removed.splice(100);
    }
    const level = change === 'evicted' || (change === 'status' && i.status !== 'UP') ? 'warn' : 'log';
    this.logger[level]({ msg: `instance ${change}`, service: i.service, instanceId: i.instanceId, status: i.status, reason: i.statusReason });
    // Coalesce bursts (an all-in-one boot registers eight apps at once) into one push.
    this.pushPending ??= setTimeout(() => {
      this.pushPending = undefined;
      this.push();
    }, 30);
  }

  sweep(): void {
    for (const i of this.registry.evictExpired(this.ttlMs())) this.evictions.inc({ registered_service: i.service });
  }

  /** Polls every instance's health URL; a failure (error status, error, timeout) marks it DOWN, a success UP again. */
  async checkAll(): Promise<void> {
    await Promise.all(this.registry.list().map((i) => this.check(i)));
  }

  private async check(i: InstanceView): Promise<void> {
    if (!i.healthUrl) return;
    const key = `${i.service}/${i.instanceId}`;
    if (this.checking.has(key)) return;
    this.checking.add(key);
    const timeout = this.healthTimeoutMs();
    try {
      const res = await fetch(i.healthUrl, { signal: AbortSignal.timeout(timeout) });
      await res.body?.cancel().catch(() => undefined);
      this.registry.markHealth(i.service, i.instanceId, res.ok, res.ok ? undefined : `health check answered ${res.status}`);
    } catch (err) {
      const reason = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError') ? `health check timed out after ${timeout} ms` : `health check failed: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`;
      this.registry.markHealth(i.service, i.instanceId, false, reason);
    } finally {
      this.checking.delete(key);
    }
  }

  event(): DashboardEvent {
    const since = Date.now() - REMOVED_KEPT_MS;
    return { ...this.registry.view(this.ttlMs()), removed: this.removed.filter((r) => Date.parse(r.at) >= since) };
  }

  /** Subscribes a dashboard stream; returns the unsubscribe function. */
  stream(send: (event: DashboardEvent) => void): () => void {
    this.streams.add(send);
    send(this.event());
    return () => this.streams.delete(send);
  }

  private push(): void {
    if (!this.streams.size) return;
    const event = this.event();
    for (const s of this.streams) s(event);
  }
}
