/** UP: takes traffic. DOWN: its health check fails. STARTING / OUT_OF_SERVICE: reported by the instance itself. */
export type InstanceStatus = 'UP' | 'DOWN' | 'STARTING' | 'OUT_OF_SERVICE';
export const INSTANCE_STATUSES: readonly InstanceStatus[] = ['UP', 'DOWN', 'STARTING', 'OUT_OF_SERVICE'];

/** What an app sends when it registers. */
export interface InstanceRegistration {
  service: string;
  instanceId: string;
  version: string;
  host: string;
  port: number;
  /** Polled by discovery; must point at the instance's own host and port. */
  healthUrl?: string;
  status?: InstanceStatus;
  metadata?: Record<string, string>;
}

/** One instance as the registry holds it. */
export interface InstanceView {
  service: string;
  instanceId: string;
  version: string;
  host: string;
  port: number;
  healthUrl?: string;
  status: InstanceStatus;
  /** Why the status is what it is (the failed health check). */
  statusReason?: string;
  metadata: Record<string, string>;
  registeredAt: string;
  lastHeartbeat: string;
}

/** The whole registry: `GET /registry` (with an ETag of its version) and the dashboard's event stream. */
export interface RegistryView {
  /** Increases on every change of the registry (not on plain heartbeats). */
  version: number;
  generatedAt: string;
  /** The replica's eviction TTL. */
  ttlMs: number;
  instances: InstanceView[];
}

/** A target group of Prometheus HTTP service discovery. */
export interface PrometheusTargetGroup {
  targets: string[];
  labels: Record<string, string>;
}
