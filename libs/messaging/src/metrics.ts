import { DomainError, ErrorCodes } from '@shop/contracts';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * DI token of the app's Prometheus registry. Each app has its own registry, so
 * that the all-in-one process can host several apps without name clashes.
 */
export const METRICS_REGISTRY = 'METRICS_REGISTRY';

/** Latency buckets (seconds) shared by the HTTP and RPC duration histograms: 5 ms to 10 s. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The registry's series of that name, or a new one registered in it: two
 * components of one app may ask for the same series, but an app never
 * registers a name twice (prom-client would throw).
 */
export function counterIn<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

export function histogramIn<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], buckets = LATENCY_BUCKETS): Histogram<L> {
  return (registry.getSingleMetric(name) as Histogram<L> | undefined) ?? new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}

export function gaugeIn<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], collect?: (this: Gauge<L>) => void | Promise<void>): Gauge<L> {
  return (registry.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge({ name, help, labelNames, registers: [registry], ...(collect ? { collect } : {}) });
}

/** The `code` label of an RPC: `OK`, the DomainError's code (a closed set, see ErrorCodes), or INTERNAL for anything else. */
export const OK = 'OK';
export function outcomeCode(err?: unknown): string {
  if (err === undefined) return OK;
  return err instanceof DomainError ? err.code : ErrorCodes.INTERNAL;
}

/**
 * The messaging layer's own series; the platform lib exposes them on /metrics.
 * Label values are closed sets (patterns, topics, event types, queue names,
 * error codes): never ids.
 */
export class MessagingMetrics {
  readonly eventsPublished: Counter<'topic' | 'type'>;
  /** outcome: processed, duplicate (dropped by the inbox), dead_lettered. */
  readonly eventsConsumed: Counter<'topic' | 'type' | 'outcome'>;
  readonly deadLettered: Counter<'kind' | 'name'>;
  readonly jobRetries: Counter<'queue'>;
  readonly jobsEnqueued: Counter<'queue'>;
  /** outcome: succeeded, failed (then retried or dead-lettered, counted above). */
  readonly jobsProcessed: Counter<'queue' | 'outcome'>;
  /** Server side of RPC: one per handled request, by pattern and code (OK or the error code). */
  readonly rpcServerRequests: Counter<'pattern' | 'code'>;
  readonly rpcServerDuration: Histogram<'pattern'>;
  /** Client side of RPC: one per call, by pattern and code (RPC.TIMEOUT for timeouts). */
  readonly rpcClientRequests: Counter<'pattern' | 'code'>;
  readonly rpcClientDuration: Histogram<'pattern'>;

  constructor(private readonly registry: Registry) {
    this.eventsPublished = counterIn(registry, 'shop_events_published_total', 'Domain events published from the outbox.', ['topic', 'type']);
    this.eventsConsumed = counterIn(registry, 'shop_events_consumed_total', 'Domain events handled, by outcome (processed, duplicate, dead_lettered).', ['topic', 'type', 'outcome']);
    this.deadLettered = counterIn(registry, 'shop_dead_lettered_total', 'Messages moved to a dead-letter topic or queue.', ['kind', 'name']);
    this.jobRetries = counterIn(registry, 'shop_job_retries_total', 'Jobs scheduled for another attempt after a failure.', ['queue']);
    this.jobsEnqueued = counterIn(registry, 'shop_jobs_enqueued_total', 'Jobs put on a work queue.', ['queue']);
    this.jobsProcessed = counterIn(registry, 'shop_jobs_processed_total', 'Job attempts run by this worker, by outcome (succeeded, failed).', ['queue', 'outcome']);
    this.rpcServerRequests = counterIn(registry, 'shop_rpc_server_requests_total', 'RPC requests handled, by pattern and code (OK or the error code answered).', ['pattern', 'code']);
    this.rpcServerDuration = histogramIn(registry, 'shop_rpc_server_request_duration_seconds', 'Time to handle an RPC request, from receipt to answer.', ['pattern']);
    this.rpcClientRequests = counterIn(registry, 'shop_rpc_client_requests_total', 'RPC calls made, by pattern and code (OK, RPC.TIMEOUT, or the error code received).', ['pattern', 'code']);
    this.rpcClientDuration = histogramIn(registry, 'shop_rpc_client_request_duration_seconds', 'Time from sending an RPC request to its answer, error or timeout.', ['pattern']);
  }

  /**
   * Outbox lag, read from the outbox table when Prometheus scrapes (one
   * indexed COUNT/MIN query): rows waiting to be published and the age of the
   * oldest. A failed query leaves the last values and logs nothing here; the
   * relay reports its own failures.
   */
  trackOutbox(lag: () => Promise<{ waiting: number; oldestAgeSeconds: number }>): void {
    let last: Promise<{ waiting: number; oldestAgeSeconds: number }> | undefined;
    // prom-client starts every collect of a scrape at once: while the query runs, both gauges share it.
    const read = () =>
      (last ??= lag().finally(() => {
        last = undefined;
      }));
    gaugeIn(this.registry, 'shop_outbox_pending_messages', 'Outbox rows not yet published.', [], async function () {
      const l = await read().catch(() => undefined);
      if (l) this.set(l.waiting);
    });
    gaugeIn(this.registry, 'shop_outbox_oldest_pending_age_seconds', 'Age of the oldest outbox row not yet published (0 when none waits).', [], async function () {
      const l = await read().catch(() => undefined);
      if (l) this.set(l.oldestAgeSeconds);
    });
  }
}
