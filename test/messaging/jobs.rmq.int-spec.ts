import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Envelope, JobMap } from '@shop/contracts';
import { type DeadJob, type JobContext, type MessageContext, MessageContextStore, MessagingMetrics, type MessagingOptions, RmqJobQueue, messagingOptionsFromEnv, retryDelay, retryQueueName } from '@shop/messaging';
import { type SpawnedProcess, eventually, spawnNode, uniqueName, withChannel, TEST_RABBITMQ_URL } from '@shop/testing';
import amqp from 'amqplib';
import { Registry } from 'prom-client';

/**
 * The work queues on a real RabbitMQ: a quorum queue per job queue, publisher
 * confirms, a delay queue per retry (a TTL, then dead-lettered back to the work
 * queue) and `<queue>.dlq` after the last attempt. Every test has its own
 * namespace, so its queues are its own; they are deleted at the end.
 */
const rabbitmqUrl = TEST_RABBITMQ_URL;
const workerEntry = fileURLToPath(new URL('./fixtures/jobs-worker.ts', import.meta.url));
const maxAttempts = 3;
const retryDelayMs = 100;
const usedNamespaces: string[] = [];
const openQueues: RmqJobQueue[] = [];

interface Setup {
  options: MessagingOptions;
  registry: Registry;
  work: string;
  dlq: string;
  retries: string[];
  /** A queue object on its own connection; closed after all tests. */
  queue(): RmqJobQueue;
}

function setup(overrides: Partial<MessagingOptions> = {}): Setup {
  const namespace = uniqueName('t-jobs');
  usedNamespaces.push(namespace);
  const options = messagingOptionsFromEnv('notification', {}, { namespace, rabbitmqUrl, jobMaxAttempts: maxAttempts, jobRetryDelayMs: retryDelayMs, jobPrefetch: 10, ...overrides });
  const registry = new Registry();
  const work = `${namespace}.notifications`;
  return {
    options,
    registry,
    work,
    dlq: `${work}.dlq`,
    retries: Array.from({ length: maxAttempts - 1 }, (_, i) => retryQueueName(work, retryDelay(retryDelayMs, i + 2))),
    queue() {
      const q = new RmqJobQueue(options, new MessagingMetrics(registry));
      openQueues.push(q);
      return q;
    },
  };
}

const readyCount = (queue: string) => withChannel(async (ch) => (await ch.checkQueue(queue)).messageCount);

interface ListedQueue {
  type: string;
  durable: boolean;
  arguments: Record<string, unknown>;
}

/**
 * The queues of a namespace as the broker lists them. (Not their message counts: rabbitmqctl
 * reports a quorum queue's counts from periodic stats, seconds late; checkQueue asks the queue.)
 */
async function listQueues(namespace: string): Promise<Map<string, ListedQueue>> {
  const { stdout } = await promisify(execFile)('rabbitmqctl', ['list_queues', '--quiet', '--formatter', 'json', 'name', 'type', 'durable', 'arguments'], { timeout: 20_000 });
  const rows = JSON.parse(stdout) as Array<{ name: string; type: string; durable: boolean; arguments: Array<[string, string, unknown]> }>;
  return new Map(rows.filter((r) => r.name.startsWith(`${namespace}.`)).map((r) => [r.name, { type: r.type, durable: r.durable, arguments: Object.fromEntries(r.arguments.map(([k, , v]) => [k, v])) }]));
}

/** Ready messages of each queue, as the queues themselves count them. */
const readyCounts = (queues: string[]) => withChannel(async (ch) => Promise.all(queues.map(async (q) => [q, (await ch.checkQueue(q)).messageCount] as const)));

async function closeQueue(queue: RmqJobQueue): Promise<void> {
  openQueues.splice(openQueues.indexOf(queue), 1);
  await queue.close();
}

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const job = (to: string): JobMap['notifications'] => ({ template: 'order-confirmed', to, data: { orderId: `o-${to}` }, key: `k-${to}` });

interface Attempt {
  to: string;
  attempt: number;
  jobId: string;
  at: number;
  context: MessageContext | undefined;
}

/** A handler that records every attempt and fails while `fails(job, attempt)` says so. */
function recordingHandler(fails: (job: JobMap['notifications'], attempt: number) => boolean) {
  const attempts: Attempt[] = [];
  const successes: string[] = [];
  const handler = async (j: JobMap['notifications'], ctx: JobContext) => {
    attempts.push({ to: j.to, attempt: ctx.attempt, jobId: ctx.envelope.id, at: performance.now(), context: MessageContextStore.current() });
    await sleep(Math.floor(Math.random() * 5));
    if (fails(j, ctx.attempt)) throw new Error(`smtp refused ${j.to} on attempt ${ctx.attempt}`);
    successes.push(j.to);
  };
  return { attempts, successes, handler };
}

afterAll(async () => {
  await Promise.allSettled(openQueues.map((q) => q.close()));
  await withChannel(async (ch) => {
    for (const ns of usedNamespaces) {
      const work = `${ns}.notifications`;
      for (const q of [work, `${work}.dlq`, ...Array.from({ length: maxAttempts - 1 }, (_, i) => retryQueueName(work, retryDelay(retryDelayMs, i + 2)))]) await ch.deleteQueue(q);
    }
  });
});

describe('Jobs over RabbitMQ', () => {
  it('resolves enqueue only once the broker has the job: each enqueued job is in the queue the moment enqueue resolves, with no consumer', async () => {
    const s = setup();
    const producer = s.queue();
    await producer.enqueue('notifications', job('first@example.com'));
    const conn = await amqp.connect(rabbitmqUrl);
    try {
      // Opened beforehand, so that each count reaches the broker right behind the publish it checks.
      const ch = await conn.createChannel();
      const counts: number[] = [];
      for (let i = 1; i <= 30; i++) {
        await producer.enqueue('notifications', job(`confirm-${i}@example.com`));
        counts.push((await ch.checkQueue(s.work)).messageCount);
      }
      expect(counts).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));

      // And under load: 300 at once, all there when the last enqueue resolves.
      await Promise.all(Array.from({ length: 300 }, (_, i) => producer.enqueue('notifications', job(`burst-${i}@example.com`))));
      expect((await ch.checkQueue(s.work)).messageCount).toBe(331);
    } finally {
      await conn.close();
    }
  });

  it('keeps jobs in durable quorum queues, with one classic delay queue per retry that dead-letters back to the work queue', async () => {
    const s = setup();
    await s.queue().enqueue('notifications', job('topology@example.com'));

    const queues = await listQueues(s.options.namespace);

    expect(queues.get(s.work)).toEqual({ type: 'quorum', durable: true, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 10, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': s.dlq } });
    expect(queues.get(s.dlq)).toEqual({ type: 'quorum', durable: true, arguments: { 'x-queue-type': 'quorum' } });
    expect(s.retries.map((r) => [r, queues.get(r)])).toEqual([
      [s.retries[0], { type: 'classic', durable: true, arguments: { 'x-message-ttl': retryDelayMs, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': s.work } }],
      [s.retries[1], { type: 'classic', durable: true, arguments: { 'x-message-ttl': 2 * retryDelayMs, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': s.work } }],
    ]);
    expect(await readyCount(s.work)).toBe(1);
  });

  it('retries a job that fails once after the configured delay, and the second attempt completes it without dead-lettering', async () => {
    const s = setup();
    const h = recordingHandler((_, attempt) => attempt === 1);
    await s.queue().consume('notifications', h.handler);

    const jobId = await s.queue().enqueue('notifications', job('ada@example.com'));

    await eventually(() => h.successes.length === 1, { timeoutMs: 10_000, intervalMs: 10, what: 'job completed' });
    expect(h.attempts.map((a) => [a.jobId, a.attempt])).toEqual([
      [jobId, 1],
      [jobId, 2],
    ]);
    const gap = h.attempts[1]!.at - h.attempts[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(retryDelayMs);
    // The delay queue's TTL expires on time (it does not wait for a later message or a consumer).
    expect(gap).toBeLessThan(retryDelayMs + 1_000);
    await sleep(2 * retryDelayMs);
    expect(h.attempts).toHaveLength(2);
    expect(await readyCount(s.dlq)).toBe(0);
    expect(await metric(s.registry, 'shop_job_retries_total', { queue: 'notifications' })).toBe(1);
    expect(await metric(s.registry, 'shop_dead_lettered_total', { kind: 'job' })).toBe(0);
    expect(await metric(s.registry, 'shop_jobs_enqueued_total', { queue: 'notifications' })).toBe(1);
    expect(await metric(s.registry, 'shop_jobs_processed_total', { queue: 'notifications', outcome: 'failed' })).toBe(1);
    expect(await metric(s.registry, 'shop_jobs_processed_total', { queue: 'notifications', outcome: 'succeeded' })).toBe(1);
  });

  it('dead-letters a job that always fails to <queue>.dlq after exactly jobMaxAttempts attempts, with the last error and the attempt count, and never runs it again', async () => {
    const s = setup();
    const h = recordingHandler(() => true);
    await s.queue().consume('notifications', h.handler);

    const jobId = await s.queue().enqueue('notifications', job('bob@example.com'));

    await eventually(async () => (await readyCount(s.dlq)) === 1, { timeoutMs: 10_000, intervalMs: 25, what: 'job dead-lettered' });
    expect(h.attempts.map((a) => [a.jobId, a.attempt])).toEqual([
      [jobId, 1],
      [jobId, 2],
      [jobId, 3],
    ]);
    // Doubling delays: attempt 3 waits twice as long as attempt 2.
    expect(h.attempts[1]!.at - h.attempts[0]!.at).toBeGreaterThanOrEqual(retryDelayMs);
    expect(h.attempts[2]!.at - h.attempts[1]!.at).toBeGreaterThanOrEqual(2 * retryDelayMs);
    expect(await metric(s.registry, 'shop_dead_lettered_total', { kind: 'job', name: 'notifications' })).toBe(1);

    // Longer than every retry delay together: nothing more happens to the job.
    await sleep(4 * retryDelayMs + 300);
    expect(h.attempts).toHaveLength(maxAttempts);
    expect(await readyCounts([s.work, ...s.retries, s.dlq])).toEqual([[s.work, 0], ...s.retries.map((r) => [r, 0]), [s.dlq, 1]]);
    expect(await metric(s.registry, 'shop_dead_lettered_total', { kind: 'job' })).toBe(1);

    const dead = await withChannel((ch) => ch.get(s.dlq, { noAck: true }));
    if (!dead) throw new Error(`${s.dlq} is empty`);
    expect(dead.properties.headers).toMatchObject({ 'x-error': 'smtp refused bob@example.com on attempt 3', 'x-attempt': maxAttempts, 'x-message-id': jobId });
    expect(JSON.parse(dead.content.toString('utf8'))).toMatchObject({ id: jobId, type: 'notifications', payload: job('bob@example.com') } satisfies Partial<Envelope>);
  });

  it('hands each dead letter of <queue>.dlq to the dead-letter consumer with its error and attempts, and removes it only once the consumer resolved', async () => {
    const s = setup();
    await s.queue().consume('notifications', recordingHandler(() => true).handler);
    const producer = s.queue();
    const first = await producer.enqueue('notifications', job('dl-1@example.com'));
    await eventually(async () => (await readyCount(s.dlq)) === 1, { timeoutMs: 10_000, intervalMs: 25, what: 'dead-lettered before any dead-letter consumer' });

    // A consumer that fails once: the dead letter stays on the queue and comes back.
    const received: DeadJob[] = [];
    let failures = 0;
    const deadConsumer = s.queue();
    await deadConsumer.consumeDeadLetters('notifications', async (dead) => {
      if (failures++ === 0) throw new Error('database down');
      received.push(dead);
    });
    const second = await producer.enqueue('notifications', job('dl-2@example.com'));

    await eventually(() => received.length === 2, { timeoutMs: 15_000, intervalMs: 25, what: 'both dead letters stored' });
    expect(failures).toBe(3);
    expect(received.map((d) => ({ queue: d.queue, id: d.envelope.id, payload: d.envelope.payload, error: d.error, attempts: d.attempts })).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [
        { queue: 'notifications', id: first, payload: job('dl-1@example.com'), error: 'smtp refused dl-1@example.com on attempt 3', attempts: maxAttempts },
        { queue: 'notifications', id: second, payload: job('dl-2@example.com'), error: 'smtp refused dl-2@example.com on attempt 3', attempts: maxAttempts },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(received.every((d) => d.failedAt instanceof Date && Math.abs(Date.now() - d.failedAt.getTime()) < 15_000)).toBe(true);
    await closeQueue(deadConsumer);
    expect(await withChannel((ch) => ch.checkQueue(s.dlq))).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });

  it('completes each of 50 concurrent jobs exactly once when some fail transiently, losing none and dead-lettering none', async () => {
    const s = setup();
    const ids = Array.from({ length: 50 }, (_, i) => `user-${i}@example.com`);
    const failOnce = new Set(ids.filter((_, i) => i % 10 === 3));
    const failTwice = new Set(ids.filter((_, i) => i % 10 === 7));
    const h = recordingHandler((j, attempt) => (failOnce.has(j.to) && attempt === 1) || (failTwice.has(j.to) && attempt <= 2));
    await s.queue().consume('notifications', h.handler);
    const producer = s.queue();

    await Promise.all(ids.map((to) => producer.enqueue('notifications', job(to))));

    await eventually(() => h.successes.length >= ids.length, { timeoutMs: 15_000, intervalMs: 25, what: 'all jobs completed' });
    await sleep(3 * retryDelayMs);
    expect([...h.successes].sort()).toEqual([...ids].sort());
    const attemptsOf = (to: string) => h.attempts.filter((a) => a.to === to).map((a) => a.attempt);
    for (const to of ids) expect(attemptsOf(to), to).toEqual(failTwice.has(to) ? [1, 2, 3] : failOnce.has(to) ? [1, 2] : [1]);
    expect(await readyCount(s.dlq)).toBe(0);
  });

  it('runs a job enqueued inside a correlation context with that correlation id on every attempt', async () => {
    const s = setup();
    const h = recordingHandler((_, attempt) => attempt === 1);
    await s.queue().consume('notifications', h.handler);
    const correlationId = uniqueName('corr');
    const producer = s.queue();

    const jobId = await MessageContextStore.run({ correlationId }, () => producer.enqueue('notifications', job('cy@example.com')));

    await eventually(() => h.successes.length === 1, { timeoutMs: 10_000, intervalMs: 10, what: 'job completed' });
    expect(h.attempts.map((a) => a.context)).toMatchObject([
      { correlationId, messageId: jobId },
      { correlationId, messageId: jobId },
    ]);
  });
});

describe('Jobs over RabbitMQ when the consumer loses its connection mid-job', () => {
  /** Has the broker close the queue object's connection, as a network failure or a broker restart would. */
  async function dropConnection(queue: RmqJobQueue): Promise<void> {
    // The local port is the only thing that tells our connection apart from everyone else's on the broker.
    const manager = (queue as unknown as { connection: { connection?: { connection: { stream: { localPort: number } } } } }).connection;
    const port = manager.connection?.connection.stream.localPort;
    if (!port) throw new Error('the queue is not connected');
    const { stdout } = await promisify(execFile)('rabbitmqctl', ['list_connections', '--quiet', '--no-table-headers', 'pid', 'peer_port'], { timeout: 20_000 });
    const pid = stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .find(([, peerPort]) => Number(peerPort) === port)?.[0];
    if (!pid) throw new Error(`no broker connection from port ${port}`);
    await promisify(execFile)('rabbitmqctl', ['close_connection', pid, 'test: connection lost mid-job'], { timeout: 20_000 });
  }

  it('redelivers a job whose ack was lost with the connection and completes it, without counting it as a failed attempt or scheduling a retry', async () => {
    const s = setup();
    const consumer = s.queue();
    const runs: number[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    await consumer.consume('notifications', async (_, { attempt }) => {
      runs.push(attempt);
      // The first run finishes only after its connection is gone, so its ack cannot reach the broker.
      if (runs.length === 1) await released;
    });

    await s.queue().enqueue('notifications', job('blip@example.com'));
    await eventually(() => runs.length === 1, { timeoutMs: 10_000, intervalMs: 10, what: 'job started' });
    await dropConnection(consumer);
    release();

    // amqp-connection-manager reconnects after 5 s; the broker redelivers the unacknowledged job then.
    await eventually(() => runs.length >= 2, { timeoutMs: 20_000, intervalMs: 50, what: 'job redelivered after the reconnect' });
    await sleep(4 * retryDelayMs + 300);
    expect(runs).toEqual([1, 1]);
    expect(await metric(s.registry, 'shop_job_retries_total', {})).toBe(0);
    // Nothing left, not even unacknowledged (closing the consumer would return such a job to the queue).
    await closeQueue(consumer);
    expect(await readyCounts([s.work, ...s.retries, s.dlq])).toEqual([[s.work, 0], ...s.retries.map((r) => [r, 0]), [s.dlq, 0]]);
  });
});

describe('Jobs over RabbitMQ when a consumer process dies mid-job', () => {
  const journalDir = mkdtempSync(join(tmpdir(), 'jobs-journal-'));
  const journal = join(journalDir, 'journal.ndjson');
  let worker: SpawnedProcess | undefined;

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    rmSync(journalDir, { recursive: true, force: true });
  });

  interface JournalLine {
    event: 'started' | 'completed';
    instance: string;
    to: string;
  }
  function readJournal(): JournalLine[] {
    let text = '';
    try {
      text = readFileSync(journal, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as JournalLine);
  }
  const jobsOf = (lines: JournalLine[], event: JournalLine['event']) => lines.filter((l) => l.event === event).map((l) => l.to);

  it('completes every job after its consumer is SIGKILLed with jobs unacknowledged: they return to the queue and the next consumer finishes them, none is lost', async () => {
    const s = setup();
    const ids = Array.from({ length: 24 }, (_, i) => `kill-${i}@example.com`);
    const producer = s.queue();
    await Promise.all(ids.map((to) => producer.enqueue('notifications', job(to))));
    worker = spawnNode(workerEntry, { SHOP_NAMESPACE: s.options.namespace, RABBITMQ_URL: rabbitmqUrl, JOB_MAX_ATTEMPTS: String(maxAttempts), JOB_RETRY_DELAY_MS: String(retryDelayMs), JOB_PREFETCH: '6', JOB_SLOW_MS: '1500', JOB_JOURNAL: journal, JOB_INSTANCE: 'worker-a' });
    await worker.waitForOutput(/jobs worker ready/, 30_000);

    // Kill once worker-a has finished some jobs and holds several more it started after its latest
    // completion (prefetch 6): those have a whole JOB_SLOW_MS to go, while jobs of one batch complete
    // within milliseconds of each other (counting those too, CI once killed as they finished).
    await eventually(
      () => {
        const lines = readJournal();
        const lastCompletion = lines.findLastIndex((l) => l.event === 'completed');
        return lastCompletion >= 0 && jobsOf(lines, 'completed').length >= 3 && jobsOf(lines.slice(lastCompletion + 1), 'started').length >= 3;
      },
      { timeoutMs: 15_000, intervalMs: 10, what: 'worker-a busy with unfinished jobs' },
    );
    await worker.stop('SIGKILL');
    const atKill = readJournal();
    const completedByA = new Set(jobsOf(atKill, 'completed'));
    const interrupted = jobsOf(atKill, 'started').filter((to) => !completedByA.has(to));

    // The unfinished jobs are back in the queue, ready for the next consumer.
    await eventually(async () => (await readyCount(s.work)) >= ids.length - completedByA.size, { timeoutMs: 10_000, intervalMs: 50, what: 'unacked jobs requeued' });
    expect(interrupted.length).toBeGreaterThanOrEqual(3);

    const completedByB: string[] = [];
    const consumerB = s.queue();
    await consumerB.consume('notifications', async (j) => {
      completedByB.push(j.to);
    });
    await eventually(() => ids.every((to) => completedByA.has(to) || completedByB.includes(to)), { timeoutMs: 15_000, intervalMs: 25, what: 'every job completed' });
    await sleep(300);

    for (const to of interrupted) expect(completedByB.filter((x) => x === to), to).toEqual([to]);
    // Every job completed (none lost), and at most once per consumer: twice only if worker-a finished
    // it before the kill but its ack never reached the broker.
    for (const to of ids) {
      const byB = completedByB.filter((x) => x === to).length;
      expect(Number(completedByA.has(to)) + byB, to).toBeGreaterThanOrEqual(1);
      expect(byB, to).toBeLessThanOrEqual(1);
      if (completedByA.has(to) && byB === 1) console.log(`${to} ran twice: worker-a finished it but its ack was lost with the process`);
    }
    // Every job was acknowledged: none comes back to the queue when the consumer goes. The quorum
    // queue drops the consumer of a closed channel a moment after the close returns (CI once read
    // consumerCount 1 right after it), so wait for that before reading what came back.
    await closeQueue(consumerB);
    const work = await eventually(
      async () => {
        const q = await withChannel((ch) => ch.checkQueue(s.work));
        return q.consumerCount === 0 ? q : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 25, what: 'consumer gone from the queue' },
    );
    expect(work).toMatchObject({ messageCount: 0, consumerCount: 0 });
    expect(await readyCount(s.dlq)).toBe(0);
  });
});
