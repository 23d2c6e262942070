import type { Envelope, JobMap, JobQueueName } from '@shop/contracts';

export interface JobContext {
  envelope: Envelope;
  /** 1 on the first delivery, then 2, 3, ... up to the configured maximum. */
  attempt: number;
}

export type JobHandler<Q extends JobQueueName> = (job: JobMap[Q], ctx: JobContext) => Promise<void>;

/** A job that failed for good, as its dead-letter queue holds it. */
export interface DeadJob<Q extends JobQueueName = JobQueueName> {
  queue: Q;
  /** The job as enqueued (its payload is raw text when the job could not even be parsed). */
  envelope: Envelope<JobMap[Q] | string>;
  /** The last attempt's error. */
  error: string;
  attempts: number;
  failedAt: Date;
}

export type DeadJobHandler<Q extends JobQueueName> = (dead: DeadJob<Q>) => Promise<void>;

/**
 * Background work that must be done once and retried when it fails: a
 * durable work queue with retries after a delay and a dead-letter queue after
 * the last attempt. `enqueue` resolves only once the broker has the job.
 */
export abstract class JobQueue {
  abstract enqueue<Q extends JobQueueName>(queue: Q, job: JobMap[Q]): Promise<string>;
  abstract consume<Q extends JobQueueName>(queue: Q, handler: JobHandler<Q>): Promise<void>;
  /**
   * Hands each dead-lettered job of a queue to `handler`, which must store it
   * for good: the dead letter leaves the queue only once the handler resolves
   * (a handler that throws gets it again after the retry delay).
   */
  abstract consumeDeadLetters<Q extends JobQueueName>(queue: Q, handler: DeadJobHandler<Q>): Promise<void>;
  abstract isConnected(): boolean;
  abstract close(): Promise<void>;
}

/** The delay before attempt `next` (2, 3, ...): doubling from the base delay. */
export function retryDelay(baseMs: number, next: number): number {
  return baseMs * 2 ** Math.max(0, next - 2);
}

/**
 * The delay queue for one delay. Its name carries the delay, because a queue's
 * TTL cannot change once declared: a new JOB_RETRY_DELAY_MS gets new queues
 * (the old ones drain) instead of a broker error at start.
 */
export function retryQueueName(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}ms`;
}

export function deadLetterQueueName(queue: string): string {
  return `${queue}.dlq`;
}
