import { Counter, Registry } from 'prom-client';

/**
 * DI token of the app's Prometheus registry. Each app has its own registry, so
 * that the all-in-one process can host several apps without name clashes.
 */
export const METRICS_REGISTRY = 'METRICS_REGISTRY';

/** The messaging layer's own series; the platform lib exposes them on /metrics. */
export class MessagingMetrics {
  readonly eventsPublished: Counter<'topic' | 'type'>;
  readonly eventsConsumed: Counter<'topic' | 'type' | 'outcome'>;
  readonly deadLettered: Counter<'kind' | 'name'>;
  readonly jobRetries: Counter<'queue'>;

  constructor(registry: Registry) {
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
    this.eventsPublished = counter('shop_events_published_total', 'Domain events published from the outbox.', ['topic', 'type']);
    this.eventsConsumed = counter('shop_events_consumed_total', 'Domain events handled, by outcome (processed, duplicate, dead_lettered).', ['topic', 'type', 'outcome']);
    this.deadLettered = counter('shop_dead_lettered_total', 'Messages moved to a dead-letter topic or queue.', ['kind', 'name']);
    this.jobRetries = counter('shop_job_retries_total', 'Jobs scheduled for another attempt after a failure.', ['queue']);
  }
}
