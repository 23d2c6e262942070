import type { JobMap } from '@shop/contracts';
import { eventually, uniqueName } from '@shop/testing';
import { Registry } from 'prom-client';
import { type MessageContext, MessageContextStore } from '@shop/messaging';
import { InProcessJobQueue } from '@shop/messaging';
import { MessagingMetrics } from '@shop/messaging';
import { messagingOptionsFromEnv } from '@shop/messaging';
import type { DeadJob, JobContext } from '@shop/messaging';

/**
 * The work queue of the in-process binding (the all-in-one mode): the same
 * retry-after-a-delay and dead-letter semantics as RmqJobQueue, in memory.
 * Every test has its own queue object, registry and namespace.
 */
const maxAttempts = 3;
const retryDelayMs = 100;

interface Attempt {
  to: string;
  attempt: number;
  jobId: string;
  at: number;
  context: MessageContext | undefined;
}

describe('Jobs over the in-process binding', () => {
  const queues: InProcessJobQueue[] = [];
  let registry: Registry;

  function newQueue(): InProcessJobQueue {
    registry = new Registry();
    const options = messagingOptionsFromEnv('notification', {}, { transport: 'in-process', namespace: uniqueName('t'), jobMaxAttempts: maxAttempts, jobRetryDelayMs: retryDelayMs });
    const queue = new InProcessJobQueue(options, new MessagingMetrics(registry));
    queues.push(queue);
    return queue;
  }

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close()));
  });

  /** A handler that records every attempt and fails while `fails(job, attempt)` says so. */
  function recordingHandler(fails: (job: JobMap['notifications'], attempt: number) => boolean) {
    const attempts: Attempt[] = [];
    const successes: string[] = [];
    const handler = async (job: JobMap['notifications'], ctx: JobContext) => {
      attempts.push({ to: job.to, attempt: ctx.attempt, jobId: ctx.envelope.id, at: performance.now(), context: MessageContextStore.current() });
      // Yield, so that concurrent jobs interleave inside their handlers.
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 5)));
      if (fails(job, ctx.attempt)) throw new Error(`smtp refused ${job.to} on attempt ${ctx.attempt}`);
      successes.push(job.to);
    };
    return { attempts, successes, handler };
  }

  const job = (to: string): JobMap['notifications'] => ({ template: 'order-confirmed', to, data: { orderId: `o-${to}` }, key: `k-${to}` });

  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
  }

  it('retries a job that fails once after the configured delay, and the second attempt completes it without dead-lettering', async () => {
    const queue = newQueue();
    const h = recordingHandler((_, attempt) => attempt === 1);
    await queue.consume('notifications', h.handler);

    const jobId = await queue.enqueue('notifications', job('ada@example.com'));

    await eventually(() => h.successes.length === 1, { timeoutMs: 5_000, intervalMs: 10, what: 'job completed' });
    expect(h.attempts.map((a) => [a.jobId, a.attempt])).toEqual([
      [jobId, 1],
      [jobId, 2],
    ]);
    // setTimeout fires on the event loop's cached clock, up to a millisecond before the wall clock says.
    expect(h.attempts[1]!.at - h.attempts[0]!.at).toBeGreaterThanOrEqual(retryDelayMs - 2);
    expect(queue.deadLetters.get('notifications') ?? []).toEqual([]);
    expect(await metric('shop_job_retries_total', { queue: 'notifications' })).toBe(1);
    expect(await metric('shop_dead_lettered_total', { kind: 'job' })).toBe(0);
    expect(await metric('shop_jobs_enqueued_total', { queue: 'notifications' })).toBe(1);
    expect(await metric('shop_jobs_processed_total', { queue: 'notifications', outcome: 'failed' })).toBe(1);
    expect(await metric('shop_jobs_processed_total', { queue: 'notifications', outcome: 'succeeded' })).toBe(1);
  });

  it('dead-letters a job that always fails after exactly jobMaxAttempts attempts, with the last error, and never runs it again', async () => {
    const queue = newQueue();
    const h = recordingHandler(() => true);
    await queue.consume('notifications', h.handler);

    const jobId = await queue.enqueue('notifications', job('bob@example.com'));

    const dead = await eventually(() => queue.deadLetters.get('notifications')?.length === 1 && queue.deadLetters.get('notifications'), { timeoutMs: 5_000, intervalMs: 10, what: 'job dead-lettered' });
    expect(dead).toEqual([{ envelope: expect.objectContaining({ id: jobId, type: 'notifications', payload: job('bob@example.com') }), error: 'smtp refused bob@example.com on attempt 3', attempts: maxAttempts, failedAt: expect.any(Date) }]);
    expect(h.attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    // Doubling delays: attempt 3 waits twice as long as attempt 2.
    expect(h.attempts[2]!.at - h.attempts[1]!.at).toBeGreaterThanOrEqual(2 * retryDelayMs - 2);
    expect(await metric('shop_dead_lettered_total', { kind: 'job', name: 'notifications' })).toBe(1);

    // Longer than every retry delay together: nothing more happens to the job.
    await new Promise((r) => setTimeout(r, 4 * retryDelayMs));
    expect(h.attempts).toHaveLength(maxAttempts);
    expect(queue.deadLetters.get('notifications')).toHaveLength(1);
    expect(await metric('shop_dead_lettered_total', { kind: 'job' })).toBe(1);
  });

  it('hands each dead letter to the dead-letter consumer with its error, attempts and time, also those dead-lettered before it started', async () => {
    const queue = newQueue();
    const h = recordingHandler(() => true);
    await queue.consume('notifications', h.handler);
    const early = await queue.enqueue('notifications', job('early@example.com'));
    await eventually(() => queue.deadLetters.get('notifications')?.length === 1, { timeoutMs: 5_000, intervalMs: 10, what: 'kept until a consumer comes' });

    const received: DeadJob[] = [];
    await queue.consumeDeadLetters('notifications', async (dead) => {
      received.push(dead);
    });
    const late = await queue.enqueue('notifications', job('late@example.com'));

    await eventually(() => received.length === 2, { timeoutMs: 5_000, intervalMs: 10, what: 'both dead letters handed over' });
    expect(received.map((d) => ({ queue: d.queue, id: d.envelope.id, payload: d.envelope.payload, error: d.error, attempts: d.attempts }))).toEqual([
      { queue: 'notifications', id: early, payload: job('early@example.com'), error: 'smtp refused early@example.com on attempt 3', attempts: maxAttempts },
      { queue: 'notifications', id: late, payload: job('late@example.com'), error: 'smtp refused late@example.com on attempt 3', attempts: maxAttempts },
    ]);
    expect(received.every((d) => d.failedAt instanceof Date && Date.now() - d.failedAt.getTime() < 5_000)).toBe(true);
    expect(queue.deadLetters.get('notifications') ?? []).toEqual([]);
  });

  it('hands a dead letter over again after the retry delay when the dead-letter consumer fails, and never loses it', async () => {
    const queue = newQueue();
    await queue.consume('notifications', recordingHandler(() => true).handler);
    const calls: number[] = [];
    await queue.consumeDeadLetters('notifications', async () => {
      calls.push(performance.now());
      if (calls.length < 3) throw new Error('database down');
    });

    await queue.enqueue('notifications', job('flaky@example.com'));

    await eventually(() => calls.length === 3, { timeoutMs: 5_000, intervalMs: 10, what: 'third hand-over' });
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(retryDelayMs - 2);
    await new Promise((r) => setTimeout(r, 4 * retryDelayMs));
    expect(calls).toHaveLength(3);
  });

  it('completes each of 50 concurrent jobs exactly once when some fail transiently, losing none and dead-lettering none', async () => {
    const queue = newQueue();
    const ids = Array.from({ length: 50 }, (_, i) => `user-${i}@example.com`);
    const failOnce = new Set(ids.filter((_, i) => i % 10 === 3));
    const failTwice = new Set(ids.filter((_, i) => i % 10 === 7));
    const h = recordingHandler((j, attempt) => (failOnce.has(j.to) && attempt === 1) || (failTwice.has(j.to) && attempt <= 2));
    await queue.consume('notifications', h.handler);

    await Promise.all(ids.map((to) => queue.enqueue('notifications', job(to))));

    await eventually(() => h.successes.length >= ids.length, { timeoutMs: 10_000, intervalMs: 20, what: 'all jobs completed' });
    await new Promise((r) => setTimeout(r, 3 * retryDelayMs));
    expect([...h.successes].sort()).toEqual([...ids].sort());
    const attemptsOf = (to: string) => h.attempts.filter((a) => a.to === to).map((a) => a.attempt);
    for (const to of ids) expect(attemptsOf(to), to).toEqual(failTwice.has(to) ? [1, 2, 3] : failOnce.has(to) ? [1, 2] : [1]);
    expect(queue.deadLetters.get('notifications') ?? []).toEqual([]);
  });

  it('runs a job enqueued inside a correlation context with that correlation id on every attempt', async () => {
    const queue = newQueue();
    const h = recordingHandler((_, attempt) => attempt === 1);
    await queue.consume('notifications', h.handler);
    const correlationId = uniqueName('corr');

    const jobId = await MessageContextStore.run({ correlationId }, () => queue.enqueue('notifications', job('cy@example.com')));

    await eventually(() => h.successes.length === 1, { timeoutMs: 5_000, intervalMs: 10, what: 'job completed' });
    expect(h.attempts.map((a) => a.context)).toMatchObject([
      { correlationId, messageId: jobId },
      { correlationId, messageId: jobId },
    ]);
  });

  it('keeps a job enqueued before any consumer and hands it to the consumer that starts later', async () => {
    const queue = newQueue();
    const jobId = await queue.enqueue('notifications', job('dee@example.com'));
    const h = recordingHandler(() => false);

    await queue.consume('notifications', h.handler);

    await eventually(() => h.successes.length === 1, { timeoutMs: 5_000, intervalMs: 10, what: 'job completed' });
    expect(h.attempts.map((a) => [a.jobId, a.attempt])).toEqual([[jobId, 1]]);
  });
});
