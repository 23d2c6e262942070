import { Logger } from '@nestjs/common';
import { type Envelope, type JobMap, type JobQueueName, createEnvelope } from '@shop/contracts';
import { ROOT_CONTEXT, SpanKind, type TraceHeaders, contextFromHeaders, inSpan, spanHeaders } from '@shop/observability';
import { MessageContextStore } from '../context.js';
import { type DeadJobHandler, type JobHandler, JobQueue, retryDelay } from '../jobs/job-queue.js';
import type { MessagingMetrics } from '../metrics.js';
import type { MessagingOptions } from '../options.js';

export interface InProcessDeadLetter {
  envelope: Envelope;
  error: string;
  attempts: number;
  failedAt: Date;
}

/** Work queues inside one process, with the broker's retry and dead-letter semantics. */
export class InProcessJobQueue extends JobQueue {
  private readonly logger = new Logger('InProcessJobQueue');
  private readonly handlers = new Map<string, JobHandler<never>>();
  private readonly backlog = new Map<string, Array<{ envelope: Envelope; attempt: number; trace: TraceHeaders }>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly deadHandlers = new Map<string, DeadJobHandler<never>>();
  /** Dead letters no dead-letter consumer has taken yet. */
  readonly deadLetters = new Map<string, InProcessDeadLetter[]>();
  private closed = false;

  constructor(
    private readonly options: MessagingOptions,
    private readonly metrics: MessagingMetrics,
  ) {
    super();
  }

  async enqueue<Q extends JobQueueName>(queue: Q, job: JobMap[Q]): Promise<string> {
    const envelope = createEnvelope(queue, job, MessageContextStore.origin());
    const attributes = { 'messaging.system': 'in-process', 'messaging.operation.type': 'send', 'messaging.destination.name': queue, 'messaging.message.id': envelope.id, 'shop.correlation_id': envelope.correlationId };
    await inSpan(this.options.service, `${queue} publish`, { kind: SpanKind.PRODUCER, attributes }, async (span) => this.deliver(queue, envelope, 1, spanHeaders(span)));
    this.metrics.jobsEnqueued.inc({ queue });
    return envelope.id;
  }

  async consume<Q extends JobQueueName>(queue: Q, handler: JobHandler<Q>): Promise<void> {
    this.handlers.set(queue, handler as JobHandler<never>);
    const waiting = this.backlog.get(queue) ?? [];
    this.backlog.delete(queue);
    for (const { envelope, attempt, trace } of waiting) this.deliver(queue, envelope, attempt, trace);
  }

  async consumeDeadLetters<Q extends JobQueueName>(queue: Q, handler: DeadJobHandler<Q>): Promise<void> {
    this.deadHandlers.set(queue, handler as DeadJobHandler<never>);
    const waiting = this.deadLetters.get(queue) ?? [];
    this.deadLetters.delete(queue);
    for (const dead of waiting) this.deadLetter(queue, dead);
  }

  /** Hands a dead letter to its consumer, or keeps it until one comes (or after the consumer failed, with a retry). */
  private deadLetter(queue: string, dead: InProcessDeadLetter, attempt = 1): void {
    const handler = this.deadHandlers.get(queue);
    if (!handler || this.closed) {
      this.deadLetters.set(queue, [...(this.deadLetters.get(queue) ?? []), dead]);
      return;
    }
    setImmediate(() => {
      handler({ queue: queue as never, envelope: dead.envelope as never, error: dead.error, attempts: dead.attempts, failedAt: dead.failedAt }).catch((err: unknown) => {
        this.logger.warn({ msg: 'dead-letter handler failed; retrying', queue, jobId: dead.envelope.id, err: err instanceof Error ? err.message : String(err) });
        if (this.closed) {
          this.deadLetter(queue, dead, attempt);
          return;
        }
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.deadLetter(queue, dead, attempt + 1);
        }, retryDelay(this.options.jobRetryDelayMs, attempt + 1));
        this.timers.add(timer);
      });
    });
  }

  private deliver(queue: string, envelope: Envelope, attempt: number, trace: TraceHeaders): void {
    if (this.closed) return;
    const handler = this.handlers.get(queue);
    if (!handler) {
      this.backlog.set(queue, [...(this.backlog.get(queue) ?? []), { envelope, attempt, trace }]);
      return;
    }
    setImmediate(() => void this.run(queue, handler, envelope, attempt, trace));
  }

  private async run(queue: string, handler: JobHandler<never>, envelope: Envelope, attempt: number, trace: TraceHeaders): Promise<void> {
    try {
      const attributes = { 'messaging.system': 'in-process', 'messaging.operation.type': 'process', 'messaging.destination.name': queue, 'messaging.message.id': envelope.id, 'shop.correlation_id': envelope.correlationId, 'shop.attempt': attempt };
      await inSpan(this.options.service, `${queue} process`, { kind: SpanKind.CONSUMER, parent: contextFromHeaders(trace, ROOT_CONTEXT), attributes }, () =>
        MessageContextStore.fromEnvelope(envelope, async () => {
          await handler(envelope.payload as never, { envelope, attempt });
          this.logger.debug({ msg: 'job handled', queue, jobId: envelope.id, attempt });
        }, this.options.service),
      );
      this.metrics.jobsProcessed.inc({ queue, outcome: 'succeeded' });
    } catch (err) {
      this.metrics.jobsProcessed.inc({ queue, outcome: 'failed' });
      const error = err instanceof Error ? err.message : String(err);
      if (attempt >= this.options.jobMaxAttempts) {
        this.logger.error({ msg: 'job failed for good; dead-lettered', queue, jobId: envelope.id, attempt, err: error });
        this.metrics.deadLettered.inc({ kind: 'job', name: queue });
        this.deadLetter(queue, { envelope, error, attempts: attempt, failedAt: new Date() });
        return;
      }
      this.metrics.jobRetries.inc({ queue });
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.deliver(queue, envelope, attempt + 1, trace);
      }, retryDelay(this.options.jobRetryDelayMs, attempt + 1));
      this.timers.add(timer);
    }
  }

  isConnected(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
