import { Logger } from '@nestjs/common';
import { type Envelope, type JobMap, type JobQueueName, MessageHeaders, createEnvelope, isEnvelope } from '@shop/contracts';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { ROOT_CONTEXT, SpanKind, type TraceHeaders, contextFromHeaders, inSpan, spanHeaders } from '@shop/observability';
import { MessageContextStore } from '../context.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DeadJob, type DeadJobHandler, type JobHandler, JobQueue, deadLetterQueueName, retryDelay, retryQueueName } from '../jobs/job-queue.js';
import type { MessagingMetrics } from '../metrics.js';
import { type MessagingOptions, namespaced } from '../options.js';
import { envelopeHeaders } from './rmq-rpc.js';

/**
 * Work queues on RabbitMQ. Each queue is a quorum queue (replicated, durable);
 * publishes wait for the broker's confirm; a failed job is re-published to a
 * per-attempt delay queue (a TTL, then dead-lettered back to the work queue)
 * and acknowledged only after that publish is confirmed; after the last
 * attempt it goes to `<queue>.dlq` with its error.
 */
export class RmqJobQueue extends JobQueue {
  private readonly logger = new Logger('RmqJobQueue');
  private readonly connection: AmqpConnectionManager;
  private readonly publisher: ChannelWrapper;
  private readonly consumers: ChannelWrapper[] = [];
  private readonly declared = new Set<string>();

  constructor(
    private readonly options: MessagingOptions,
    private readonly metrics: MessagingMetrics,
  ) {
    super();
    this.connection = amqp.connect([options.rabbitmqUrl], { connectionOptions: { noDelay: true } });
    this.connection.on('disconnect', ({ err }: { err?: Error }) => this.logger.warn({ msg: 'RabbitMQ disconnected', err: err?.message }));
    this.publisher = this.connection.createChannel({ json: false, confirm: true });
  }

  private async topology(channel: Channel | ConfirmChannel, queue: string): Promise<void> {
    // A job whose handler kills its process is redelivered, not failed: the
    // delivery limit stops a crash loop by dead-lettering it after 10 deliveries.
    await channel.assertQueue(queue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 10, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': deadLetterQueueName(queue) },
    });
    await channel.assertQueue(deadLetterQueueName(queue), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    for (let next = 2; next <= this.options.jobMaxAttempts; next++) {
      const delay = retryDelay(this.options.jobRetryDelayMs, next);
      await channel.assertQueue(retryQueueName(queue, delay), {
        durable: true,
        arguments: {
          'x-message-ttl': delay,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': queue,
        },
      });
    }
  }

  private async declare(queue: string): Promise<void> {
    if (this.declared.has(queue)) return;
    await this.publisher.addSetup((ch: ConfirmChannel) => this.topology(ch, queue));
    this.declared.add(queue);
  }

  private async send(queue: string, envelope: Envelope, headers: Record<string, string | number>): Promise<void> {
    await this.publisher.sendToQueue(queue, Buffer.from(JSON.stringify(envelope)), {
      persistent: true,
      contentType: 'application/json',
      messageId: envelope.id,
      headers: { ...envelopeHeaders(envelope), ...headers },
    });
  }

  async enqueue<Q extends JobQueueName>(queue: Q, job: JobMap[Q]): Promise<string> {
    const physical = namespaced(this.options, queue);
    await this.declare(physical);
    const envelope = createEnvelope(queue, job, MessageContextStore.origin());
    await inSpan(this.options.service, `${queue} publish`, { kind: SpanKind.PRODUCER, attributes: jobAttributes('send', physical, envelope) }, (span) =>
      this.send(physical, envelope, { [MessageHeaders.attempt]: 1, ...spanHeaders(span) }),
    );
    this.metrics.jobsEnqueued.inc({ queue });
    return envelope.id;
  }

  async consume<Q extends JobQueueName>(queue: Q, handler: JobHandler<Q>): Promise<void> {
    const physical = namespaced(this.options, queue);
    await this.declare(physical);
    const channel = this.connection.createChannel({
      json: false,
      setup: async (ch: ConfirmChannel) => {
        await this.topology(ch, physical);
        await ch.prefetch(this.options.jobPrefetch);
        await ch.consume(physical, (msg) => {
          // The ack or nack throws once the channel is gone; the broker redelivers the job then.
          if (msg) this.handle(ch, physical, msg, handler, queue).catch((err: unknown) => this.logger.warn({ msg: 'could not settle a job; the broker will redeliver it', queue: physical, err: err instanceof Error ? err.message : String(err) }));
        });
      },
    });
    this.consumers.push(channel);
    await channel.waitForConnect();
  }

  async consumeDeadLetters<Q extends JobQueueName>(queue: Q, handler: DeadJobHandler<Q>): Promise<void> {
    const physical = namespaced(this.options, queue);
    await this.declare(physical);
    const dlq = deadLetterQueueName(physical);
    const channel = this.connection.createChannel({
      json: false,
      setup: async (ch: ConfirmChannel) => {
        await this.topology(ch, physical);
        await ch.prefetch(this.options.jobPrefetch);
        await ch.consume(dlq, (msg) => {
          if (msg) this.handleDead(ch, msg, handler, queue).catch((err: unknown) => this.logger.warn({ msg: 'could not settle a dead letter; the broker will redeliver it', queue: dlq, err: err instanceof Error ? err.message : String(err) }));
        });
      },
    });
    this.consumers.push(channel);
    await channel.waitForConnect();
  }

  private async handleDead<Q extends JobQueueName>(ch: Channel, msg: ConsumeMessage, handler: DeadJobHandler<Q>, queue: Q): Promise<void> {
    const headers = msg.properties.headers ?? {};
    const text = msg.content.toString('utf8');
    let envelope: DeadJob<Q>['envelope'] | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (isEnvelope(parsed)) envelope = parsed as DeadJob<Q>['envelope'];
    } catch {
      // Kept as raw text below.
    }
    envelope ??= { id: String(msg.properties.messageId ?? headers[MessageHeaders.messageId] ?? 'unknown'), type: queue, version: 1, occurredAt: new Date().toISOString(), correlationId: 'unknown', payload: text };
    // settleFailure stamps x-failed-at with the last error and attempt. A job without
    // it was dead-lettered by the broker itself: its consumer kept dying (the delivery limit).
    const settled = typeof headers['x-failed-at'] === 'string';
    const error = settled ? String(headers[MessageHeaders.error] ?? 'unknown error') : 'delivery limit reached: the job kept ending its consumer before it was settled';
    const attempts = Number((settled ? headers[MessageHeaders.attempt] : headers['x-delivery-count']) ?? headers[MessageHeaders.attempt] ?? 0);
    const failedAt = settled ? new Date(headers['x-failed-at'] as string) : new Date();
    try {
      await handler({ queue, envelope, error, attempts, failedAt: Number.isNaN(failedAt.getTime()) ? new Date() : failedAt });
    } catch (err) {
      this.logger.warn({ msg: 'dead-letter handler failed; returning it to its queue', queue, jobId: envelope.id, err: err instanceof Error ? err.message : String(err) });
      // Not at once: a handler that fails (its database down) would spin on the same message.
      await sleep(this.options.jobRetryDelayMs);
      ch.nack(msg, false, true);
      return;
    }
    ch.ack(msg);
  }

  private async handle<Q extends JobQueueName>(ch: Channel, queue: string, msg: ConsumeMessage, handler: JobHandler<Q>, name: Q): Promise<void> {
    const attempt = Number(msg.properties.headers?.[MessageHeaders.attempt] ?? 1);
    let envelope: Envelope;
    try {
      const parsed: unknown = JSON.parse(msg.content.toString('utf8'));
      if (!isEnvelope(parsed)) throw new Error('not a message envelope');
      envelope = parsed;
    } catch (err) {
      await this.settleFailure(ch, queue, msg, undefined, attempt, err, true, name);
      return;
    }
    try {
      // A child of the enqueuer's span, whose context travelled in the message's headers (retries keep it).
      const parent = contextFromHeaders(msg.properties.headers, ROOT_CONTEXT);
      await inSpan(this.options.service, `${name} process`, { kind: SpanKind.CONSUMER, parent, attributes: { ...jobAttributes('process', queue, envelope), 'shop.attempt': attempt } }, () =>
        MessageContextStore.fromEnvelope(envelope, async () => {
          await handler(envelope.payload as JobMap[Q], { envelope, attempt });
          this.logger.debug({ msg: 'job handled', queue, jobId: envelope.id, attempt });
        }, this.options.service),
      );
    } catch (err) {
      this.metrics.jobsProcessed.inc({ queue: name, outcome: 'failed' });
      await this.settleFailure(ch, queue, msg, envelope, attempt, err, false, name);
      return;
    }
    this.metrics.jobsProcessed.inc({ queue: name, outcome: 'succeeded' });
    // Outside the try: a job that succeeded but whose ack cannot be sent is not a failed attempt.
    ch.ack(msg);
  }

  private async settleFailure(ch: Channel, queue: string, msg: ConsumeMessage, envelope: Envelope | undefined, attempt: number, err: unknown, poison: boolean, name: JobQueueName): Promise<void> {
    const error = (err instanceof Error ? err.message : String(err)).slice(0, 2_000);
    const trace = carriedTrace(msg.properties.headers);
    const body = envelope ?? ({ id: String(msg.properties.messageId ?? 'unknown'), type: queue, version: 1, occurredAt: new Date().toISOString(), correlationId: 'unknown', payload: msg.content.toString('utf8') } satisfies Envelope);
    try {
      if (!poison && attempt < this.options.jobMaxAttempts) {
        this.logger.warn({ msg: 'job failed; retrying', queue, jobId: body.id, attempt, err: error });
        await this.send(retryQueueName(queue, retryDelay(this.options.jobRetryDelayMs, attempt + 1)), body, { ...trace, [MessageHeaders.attempt]: attempt + 1, [MessageHeaders.error]: error });
        this.metrics.jobRetries.inc({ queue: name });
      } else {
        this.logger.error({ msg: 'job failed for good; dead-lettered', queue, jobId: body.id, attempt, err: error });
        await this.send(deadLetterQueueName(queue), body, { ...trace, [MessageHeaders.attempt]: attempt, [MessageHeaders.error]: error, 'x-failed-at': new Date().toISOString() });
        this.metrics.deadLettered.inc({ kind: 'job', name });
      }
      ch.ack(msg);
    } catch (publishErr) {
      // Could not hand the job on: leave it unacknowledged on the work queue
      // so it is redelivered rather than lost.
      this.logger.error({ msg: 'could not schedule the retry; requeueing', queue, jobId: body.id, err: publishErr instanceof Error ? publishErr.message : String(publishErr) });
      ch.nack(msg, false, true);
    }
  }

  isConnected(): boolean {
    return this.connection.isConnected();
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.consumers.map((c) => c.close()));
    await this.publisher.close();
    await this.connection.close();
  }
}

function jobAttributes(operation: 'send' | 'process', queue: string, envelope: Envelope): Record<string, string> {
  return { 'messaging.system': 'rabbitmq', 'messaging.operation.type': operation, 'messaging.destination.name': queue, 'messaging.message.id': envelope.id, 'shop.correlation_id': envelope.correlationId };
}

/** The trace context a job arrived with, kept on its retries and dead letter. */
function carriedTrace(headers: Record<string, unknown> | undefined): TraceHeaders {
  const out: TraceHeaders = {};
  for (const key of ['traceparent', 'tracestate'] as const) {
    const v = headers?.[key];
    if (typeof v === 'string') out[key] = v;
    else if (Buffer.isBuffer(v)) out[key] = v.toString('utf8');
  }
  return out;
}
