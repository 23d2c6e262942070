import type { LoggerService } from '@nestjs/common';
import { envInt } from '@shop/contracts';
import { hostname, networkInterfaces } from 'node:os';
import type { InstanceRegistration, InstanceView, RegistryView } from './registry.types.js';

export interface DiscoveryClientOptions {
  /** Every discovery replica: the app registers with each, and reads from whichever answer. */
  urls: string[];
  service: string;
  /** Only instances of the same namespace count (test runs and environments sharing a registry). */
  namespace: string;
  version: string;
  /** The address other apps and discovery reach this instance at. */
  host: string;
  heartbeatMs: number;
  fetchMs: number;
  /** A registry copy older than this no longer proves that a service is missing. */
  staleAfterMs: number;
  timeoutMs: number;
  metadata?: Record<string, string>;
}

/** The first non-internal IPv4 address, for apps listening on every interface (containers). */
function externalAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return hostname();
}

/**
 * DISCOVERY_URLS (comma-separated, default http://127.0.0.1:8761, `none` for
 * none), DISCOVERY_HEARTBEAT_MS (5000), DISCOVERY_FETCH_MS (2000),
 * DISCOVERY_STALE_AFTER_MS (30000), DISCOVERY_TIMEOUT_MS (1000),
 * DISCOVERY_INSTANCE_HOST (default: the listen host, or the first external
 * address when listening on all interfaces; set it to the pod IP in
 * Kubernetes), APP_VERSION.
 */
export function discoveryClientOptionsFromEnv(service: string, env: NodeJS.ProcessEnv, listenHost: string): DiscoveryClientOptions | undefined {
  const raw = env['DISCOVERY_URLS'] || 'http://127.0.0.1:8761';
  if (raw === 'none') return undefined;
  const urls = raw.split(',').map((u) => u.trim().replace(/\/+$/, '')).filter(Boolean);
  for (const u of urls) if (!/^https?:\/\/[^/]+$/.test(u)) throw new Error(`DISCOVERY_URLS must list base URLs like http://host:8761, got "${u}"`);
  const anyHost = listenHost === '0.0.0.0' || listenHost === '::' || listenHost === '';
  return {
    urls,
    service,
    namespace: env['SHOP_NAMESPACE'] ?? '',
    version: env['APP_VERSION'] || '0.1.0',
    host: env['DISCOVERY_INSTANCE_HOST'] || (anyHost ? externalAddress() : listenHost),
    heartbeatMs: envInt(env, 'DISCOVERY_HEARTBEAT_MS', 5_000, 50),
    fetchMs: envInt(env, 'DISCOVERY_FETCH_MS', 2_000, 50),
    staleAfterMs: envInt(env, 'DISCOVERY_STALE_AFTER_MS', 30_000, 100),
    timeoutMs: envInt(env, 'DISCOVERY_TIMEOUT_MS', 1_000, 10),
  };
}

interface ReplicaState {
  url: string;
  registered: boolean;
  /** A heartbeat or registration to this replica is in flight (a slow replica never delays the others). */
  busy?: boolean;
  reachable?: boolean;
  etag?: string;
  view?: RegistryView;
}

const silent: LoggerService = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * An app's link to discovery: registers with every replica once the app
 * listens, heartbeats (re-registering with a replica that forgot it: evicted,
 * restarted), deregisters on shutdown, and keeps a copy of the registry merged
 * from the replicas that answer. The copy outlives a discovery outage: what it
 * says is live stays usable; what it says is missing is trusted only while it
 * is fresh, so a stale copy never blocks a service that came back.
 */
export class DiscoveryClient {
  private readonly replicas: ReplicaState[];
  private registration?: InstanceRegistration;
  private timers: NodeJS.Timeout[] = [];
  private instances: InstanceView[] = [];
  private fetchedAt?: number;
  private fetching = false;
  private stopped = false;

  constructor(
    readonly options: DiscoveryClientOptions,
    private readonly logger: LoggerService = silent,
  ) {
    this.replicas = options.urls.map((url) => ({ url, registered: false }));
  }

  get instanceId(): string | undefined {
    return this.registration?.instanceId;
  }

  /** Adds a replica before start (discovery registering with itself once it knows its own port). */
  addReplica(url: string): void {
    if (!this.replicas.some((r) => r.url === url)) this.replicas.push({ url, registered: false });
  }

  /** Registers the listening app and starts heartbeats and registry fetches (in the background: discovery down never blocks a boot). */
  start(port: number, extra: Partial<InstanceRegistration> = {}): void {
    const { host, service } = this.options;
    const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.registration = {
      service,
      instanceId: `${host}:${service}:${port}`,
      version: this.options.version,
      host,
      port,
      healthUrl: `http://${hostPort}/health/ready`,
      status: 'UP',
      metadata: { namespace: this.options.namespace, startedAt: new Date().toISOString(), pid: String(process.pid), ...this.options.metadata },
      ...extra,
    };
    // The first copy is read once this instance is registered, so that it includes it.
    void this.heartbeatRound().then(() => this.fetchRound());
    this.timers.push(setInterval(() => void this.heartbeatRound(), this.options.heartbeatMs).unref());
    this.timers.push(setInterval(() => void this.fetchRound(), this.options.fetchMs).unref());
  }

  private async call(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(url, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
  }

  private reachability(r: ReplicaState, ok: boolean, err?: unknown): void {
    if (r.reachable === ok) return;
    const first = r.reachable === undefined;
    r.reachable = ok;
    if (ok && !first) this.logger.log({ msg: 'discovery replica reachable again', url: r.url }, 'Discovery');
    if (!ok) this.logger.warn({ msg: 'discovery replica unreachable; keeping the last registry seen', url: r.url, err: err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err) }, 'Discovery');
  }

  private async heartbeatRound(): Promise<void> {
    if (this.stopped || !this.registration) return;
    const reg = this.registration;
    await Promise.all(
      this.replicas.map(async (r) => {
        if (r.busy) return;
        r.busy = true;
        try {
          if (r.registered) {
            const res = await this.call(`${r.url}/registry/instances/${encodeURIComponent(reg.service)}/${encodeURIComponent(reg.instanceId)}`, 'PUT');
            if (res.status === 404) {
              r.registered = false;
              this.logger.warn({ msg: 'discovery forgot this instance (evicted or restarted): registering again', url: r.url }, 'Discovery');
            } else if (!res.ok) throw new Error(`heartbeat answered ${res.status}`);
          }
          if (!r.registered && !this.stopped) {
            const res = await this.call(`${r.url}/registry/instances`, 'POST', reg);
            if (!res.ok) throw new Error(`registration answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
            r.registered = true;
            this.logger.log({ msg: 'registered with discovery', url: r.url, instanceId: reg.instanceId }, 'Discovery');
          }
          this.reachability(r, true);
        } catch (err) {
          this.reachability(r, false, err);
        } finally {
          r.busy = false;
        }
      }),
    );
  }

  private async fetchRound(): Promise<void> {
    if (this.fetching || this.stopped) return;
    this.fetching = true;
    try {
      const answered = await Promise.all(
        this.replicas.map(async (r) => {
          try {
            const res = await this.call(`${r.url}/registry`, 'GET', undefined, r.etag ? { 'if-none-match': r.etag } : {});
            if (res.status === 304 && r.view) return r;
            if (!res.ok) throw new Error(`registry answered ${res.status}`);
            r.view = (await res.json()) as RegistryView;
            r.etag = res.headers.get('etag') ?? undefined;
            return r;
          } catch {
            return undefined;
          }
        }),
      );
      const views = answered.filter((r): r is ReplicaState => !!r?.view).map((r) => r.view!);
      if (!views.length) return;
      // Replicas each hold what the apps told them; the union, newest heartbeat first, is the full view.
      const byId = new Map<string, InstanceView>();
      for (const v of views) {
        for (const i of v.instances) {
          const key = `${i.service}/${i.instanceId}`;
          const known = byId.get(key);
          if (!known || known.lastHeartbeat < i.lastHeartbeat) byId.set(key, i);
        }
      }
      this.instances = [...byId.values()];
      this.fetchedAt = Date.now();
    } finally {
      this.fetching = false;
    }
  }

  /** Fetches the registry now (tests, boot of the gateway). */
  async refresh(): Promise<void> {
    while (this.fetching) await new Promise((r) => setTimeout(r, 10));
    await this.fetchRound();
  }

  private ownNamespace(i: InstanceView): boolean {
    return (i.metadata['namespace'] ?? '') === this.options.namespace;
  }

  /** The registry copy: every instance of this namespace, and how old it is. */
  snapshot(): { fetchedAt?: string; ageMs?: number; stale: boolean; instances: InstanceView[] } {
    const ageMs = this.fetchedAt === undefined ? undefined : Date.now() - this.fetchedAt;
    return {
      fetchedAt: this.fetchedAt === undefined ? undefined : new Date(this.fetchedAt).toISOString(),
      ageMs,
      stale: ageMs === undefined || ageMs > this.options.staleAfterMs,
      instances: this.instances.filter((i) => this.ownNamespace(i)),
    };
  }

  liveInstances(service: string): InstanceView[] {
    return this.instances.filter((i) => i.service === service && i.status === 'UP' && this.ownNamespace(i));
  }

  /**
   * False only when a fresh registry copy has no live instance of the
   * service: then a call to it can fail at once instead of timing out.
   * Never seen a registry, or a stale copy: true (let the call try).
   */
  isAvailable(service: string): boolean {
    // An app calling its own service: this instance is live, whatever the copy says.
    if (service === this.options.service) return true;
    const { stale } = this.snapshot();
    if (stale) return true;
    return this.liveInstances(service).length > 0;
  }

  /** The services of the list with no live instance, or undefined when the registry copy proves nothing (none yet, or stale). */
  missing(services: readonly string[]): string[] | undefined {
    if (this.snapshot().stale) return undefined;
    return services.filter((s) => this.liveInstances(s).length === 0);
  }

  /** Deregisters from every replica (bounded by the request timeout) and stops. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const reg = this.registration;
    if (!reg) return;
    await Promise.all(
      this.replicas.map(async (r) => {
        try {
          const res = await this.call(`${r.url}/registry/instances/${encodeURIComponent(reg.service)}/${encodeURIComponent(reg.instanceId)}`, 'DELETE');
          if (res.ok) this.logger.log({ msg: 'deregistered from discovery', url: r.url, instanceId: reg.instanceId }, 'Discovery');
        } catch {
          // That replica will evict it after its TTL.
        }
      }),
    );
  }
}
