import type { InstanceRegistration, InstanceStatus, InstanceView, PrometheusTargetGroup, RegistryView } from '@shop/discovery-client';
import { byCodeUnits } from '@shop/contracts';

export type RegistryChange = 'registered' | 'deregistered' | 'evicted' | 'status';

/**
 * The registry of one discovery replica, in memory: instances by service and
 * id, their status and last heartbeat. Pure logic with an injected clock, so
 * eviction is tested without waiting. Every change bumps `version` (plain
 * heartbeats do not: clients fetch with If-None-Match and get 304s).
 */
export class InstanceRegistry {
  private readonly instances = new Map<string, InstanceView>();
  private readonly listeners = new Set<(change: RegistryChange, instance: InstanceView) => void>();
  version = 1;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxInstances = 2_000,
  ) {}

  private key(service: string, instanceId: string): string {
    return `${service}\u0000${instanceId}`;
  }

  private changed(change: RegistryChange, instance: InstanceView): void {
    this.version++;
    for (const l of this.listeners) l(change, instance);
  }

  onChange(listener: (change: RegistryChange, instance: InstanceView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds or replaces an instance (an app re-registering after a restart on the same address replaces its old entry). */
  register(reg: InstanceRegistration): InstanceView {
    const key = this.key(reg.service, reg.instanceId);
    if (!this.instances.has(key) && this.instances.size >= this.maxInstances) throw new Error(`the registry holds ${this.maxInstances} instances already`);
    const at = new Date(this.now()).toISOString();
    const view: InstanceView = {
      service: reg.service,
      instanceId: reg.instanceId,
      version: reg.version,
      host: reg.host,
      port: reg.port,
      ...(reg.healthUrl ? { healthUrl: reg.healthUrl } : {}),
      status: reg.status ?? 'UP',
      metadata: { ...(reg.metadata ?? {}) },
      registeredAt: at,
      lastHeartbeat: at,
    };
    this.instances.set(key, view);
    this.changed('registered', view);
    return view;
  }

  /** False for an unknown instance (evicted, or this replica restarted): the app registers again. */
  heartbeat(service: string, instanceId: string): InstanceView | undefined {
    const view = this.instances.get(this.key(service, instanceId));
    if (!view) return undefined;
    view.lastHeartbeat = new Date(this.now()).toISOString();
    return view;
  }

  deregister(service: string, instanceId: string): boolean {
    const key = this.key(service, instanceId);
    const view = this.instances.get(key);
    if (!view) return false;
    this.instances.delete(key);
    this.changed('deregistered', view);
    return true;
  }

  /** The result of a health check: DOWN with the reason, or UP again. */
  markHealth(service: string, instanceId: string, healthy: boolean, reason?: string): void {
    const view = this.instances.get(this.key(service, instanceId));
    if (!view) return;
    const status: InstanceStatus = healthy ? 'UP' : 'DOWN';
    if (view.status === status && view.statusReason === (healthy ? undefined : reason)) return;
    view.status = status;
    if (healthy) delete view.statusReason;
    else view.statusReason = reason ?? 'health check failed';
    this.changed('status', view);
  }

  /** Removes the instances whose last heartbeat is older than the TTL; returns them. */
  evictExpired(ttlMs: number): InstanceView[] {
    const limit = this.now() - ttlMs;
    const evicted: InstanceView[] = [];
    for (const [key, view] of this.instances) {
      if (Date.parse(view.lastHeartbeat) < limit) {
        this.instances.delete(key);
        evicted.push(view);
        this.changed('evicted', view);
      }
    }
    return evicted;
  }

  list(service?: string): InstanceView[] {
    const all = [...this.instances.values()].filter((i) => !service || i.service === service);
    return all.sort((a, b) => byCodeUnits(a.service, b.service) || byCodeUnits(a.instanceId, b.instanceId));
  }

  services(): Array<{ service: string; instances: number; up: number }> {
    const by = new Map<string, { service: string; instances: number; up: number }>();
    for (const i of this.list()) {
      const s = by.get(i.service) ?? { service: i.service, instances: 0, up: 0 };
      s.instances++;
      if (i.status === 'UP') s.up++;
      by.set(i.service, s);
    }
    return [...by.values()];
  }

  view(ttlMs: number): RegistryView {
    return { version: this.version, generatedAt: new Date(this.now()).toISOString(), ttlMs, instances: this.list() };
  }

  /**
   * Prometheus HTTP service discovery: one target group per live instance,
   * labelled with its service, instance id, version and namespace.
   */
  prometheusTargets(): PrometheusTargetGroup[] {
    return this.list()
      .filter((i) => i.status === 'UP')
      .map((i) => ({
        targets: [i.host.includes(':') ? `[${i.host}]:${i.port}` : `${i.host}:${i.port}`],
        labels: {
          service: i.service,
          instance_id: i.instanceId,
          version: i.version,
          namespace: i.metadata['namespace'] ?? '',
          __metrics_path__: '/metrics',
        },
      }));
  }
}
