import { Logger } from '@nestjs/common';
import { type Envelope, type JobMap, type JobQueueName, createEnvelope } from '@shop/contracts';
import { MessageContextStore } from '../context.js';
import { type JobHandler, JobQueue, retryDelay } from '../jobs/job-queue.js';
import type { MessagingMetrics } from '../metrics.js';
import type { MessagingOptions } from '../options.js';

export interface InProcessDeadLetter {
  envelope: Envelope;
  error: string;
  attempts: number;
}

/** Work queues inside one process, with the broker's retry and dead-letter semantics. */
export class InProcessJobQueue extends JobQueue {
  private readonly logger = new Logger('InProcessJobQueue');
  private readonly handlers = new Map<string, JobHandler<never>>();
  private readonly backlog = new Map<string, Array<{ envelope: Envelope; attempt: number }>>();
  private readonly timers = new Set<NodeJS.Timeout>();
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
    this.deliver(queue, envelope, 1);
    this.metrics.jobsEnqueued.inc({ queue });
    return envelope.id;
  }

  async consume<Q extends JobQueueName>(queue: Q, handler: JobHandler<Q>): Promise<void> {
    this.handlers.set(queue, handler as JobHandler<never>);
    const waiting = this.backlog.get(queue) ?? [];
    this.backlog.delete(queue);
    for (const { envelope, attempt } of waiting) this.deliver(queue, envelope, attempt);
  }

  private deliver(queue: string, envelope: Envelope, attempt: number): void {
    if (this.closed) return;
    const handler = this.handlers.get(queue);
    if (!handler) {
      this.backlog.set(queue, [...(this.backlog.get(queue) ?? []), { envelope, attempt }]);
      return;
    }
    setImmediate(() => void this.run(queue, handler, envelope, attempt));
  }

  private async run(queue: string, handler: JobHandler<never>, envelope: Envelope, attempt: number): Promise<void> {
    try {
      await MessageContextStore.fromEnvelope(envelope, () => handler(envelope.payload as never, { envelope, attempt }));
      this.metrics.jobsProcessed.inc({ queue, outcome: 'succeeded' });
    } catch (err) {
      this.metrics.jobsProcessed.inc({ queue, outcome: 'failed' });
      const error = err instanceof Error ? err.message : String(err);
      if (attempt >= this.options.jobMaxAttempts) {
        this.logger.error({ msg: 'job failed for good; dead-lettered', queue, jobId: envelope.id, attempt, err: error });
        this.deadLetters.set(queue, [...(this.deadLetters.get(queue) ?? []), { envelope, error, attempts: attempt }]);
        this.metrics.deadLettered.inc({ kind: 'job', name: queue });
        return;
      }
      this.metrics.jobRetries.inc({ queue });
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.deliver(queue, envelope, attempt + 1);
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
