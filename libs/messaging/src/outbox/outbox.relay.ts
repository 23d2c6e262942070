import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Envelope } from '@shop/contracts';
import { fromSqlTimestamp, sqlTimestamp, supportsSkipLocked } from '@shop/database';
import { DataSource, type EntityManager, type EntitySubscriberInterface, type TransactionCommitEvent } from 'typeorm';
import { ROOT_CONTEXT, type Span, SpanKind, contextFromHeaders, endSpan, parseTraceHeaders, spanHeaders, startSpan } from '@shop/observability';
import { EventPublisher } from '../events/event-publisher.js';
import type { EventRecord } from '../in-process/in-process.broker.js';
import { MessagingMetrics } from '../metrics.js';
import { MESSAGING_OPTIONS, type MessagingOptions } from '../options.js';
import { envelopeHeaders } from '../broker/rmq-rpc.js';
import { OUTBOX_DIRTY } from './outbox.service.js';

interface Row {
  seq: number;
  topic: string;
  type: string;
  aggregate_id: string;
  envelope: string;
  trace_context: string | null;
}

const BATCH = 200;
const RETENTION_MS = 7 * 24 * 3600_000;

/**
 * Publishes committed outbox rows, in order per aggregate, and marks them.
 *
 * On MySQL several instances may relay at once: each claims a batch with
 * `FOR UPDATE SKIP LOCKED`, and publishes an aggregate's rows only while no
 * earlier unpublished row of that aggregate is claimed by another instance,
 * so per-aggregate order holds across relays. SQLite has one writer, so one
 * relay per process. A crash between publish and mark republishes the batch:
 * delivery is at least once, and consumers' inboxes drop the duplicates.
 *
 * The relay wakes as soon as a transaction that wrote to the outbox commits,
 * and otherwise polls.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown, EntitySubscriberInterface {
  private readonly logger = new Logger(OutboxRelay.name);
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private pendingWake = false;
  private lastCleanup = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: EventPublisher,
    private readonly metrics: MessagingMetrics,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
  ) {
    metrics.trackOutbox(() => this.lag());
  }

  onApplicationBootstrap(): void {
    this.dataSource.subscribers.push(this);
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    const i = this.dataSource.subscribers.indexOf(this);
    if (i >= 0) this.dataSource.subscribers.splice(i, 1);
  }

  /** TypeORM calls this after every commit on the data source. */
  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (event.queryRunner.data[OUTBOX_DIRTY]) {
      delete event.queryRunner.data[OUTBOX_DIRTY];
      this.wake();
    }
  }

  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  /**
   * Publishes what is committed now; returns how many rows it published.
   * `ifWaiting` (a timer's poll): first asks whether anything waits at all.
   */
  async drain(ifWaiting = false): Promise<number> {
    if (ifWaiting && !(await this.anyWaiting())) return 0;
    let total = 0;
    for (;;) {
      const n = await this.relayBatch();
      total += n;
      if (n < BATCH) return total;
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      // Woken by a commit, rows wait; otherwise this is a poll (or the first round), which usually finds nothing.
      const polled = !this.pendingWake;
      this.pendingWake = false;
      try {
        await this.drain(polled);
        await this.cleanup();
        failures = 0;
      } catch (err) {
        failures++;
        this.logger.warn({ msg: 'outbox relay failed; will retry', err: err instanceof Error ? err.message : String(err), failures });
      }
      if (!this.running) break;
      if (this.pendingWake && failures === 0) continue;
      const delay = failures ? Math.min(this.options.outboxPollMs * 2 ** failures, 30_000) : this.options.outboxPollMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  /**
   * One plain read (the index on published_at, seq), where claiming opens a transaction
   * (four round trips and a pooled connection on MySQL; SQLite's claim is one query already).
   * A row committed after this read wakes the relay or waits for the next poll.
   */
  private async anyWaiting(): Promise<boolean> {
    if (!this.dataSource.isInitialized || !supportsSkipLocked(this.dataSource)) return true;
    return (await this.dataSource.query('SELECT 1 FROM outbox WHERE published_at IS NULL LIMIT 1')).length > 0;
  }

  private async relayBatch(): Promise<number> {
    if (!this.dataSource.isInitialized) return 0;
    if (!supportsSkipLocked(this.dataSource)) {
      // SQLite: a single relay per process; no row locks needed.
      return this.publishAndMark(this.dataSource.manager, await this.claim(this.dataSource.manager, ''));
    }
    // READ COMMITTED: the claim locks only the rows it read. Under InnoDB's
    // default REPEATABLE READ it would also gap-lock the unpublished range,
    // blocking every business transaction that inserts into the outbox until
    // the publish below returns (for the whole retry time when Kafka is down).
    return this.dataSource.transaction('READ COMMITTED', (manager) => this.claimOrdered(manager).then((rows) => this.publishAndMark(manager, rows)));
  }

  private claim(manager: EntityManager, lock: string): Promise<Row[]> {
    return manager.query(`SELECT seq, topic, type, aggregate_id, envelope, trace_context FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT ${BATCH}${lock}`);
  }

  private async claimOrdered(manager: EntityManager): Promise<Row[]> {
    const rows = await this.claim(manager, ' FOR UPDATE SKIP LOCKED');
    if (!rows.length) return rows;
    const mine = new Set(rows.map((r) => Number(r.seq)));
    const aggregates = [...new Set(rows.map((r) => r.aggregate_id))];
    const unpublished: Array<{ aggregate_id: string; seq: number }> = await manager.query(
      `SELECT aggregate_id, seq FROM outbox WHERE published_at IS NULL AND aggregate_id IN (${aggregates.map(() => '?').join(',')}) ORDER BY seq`,
      aggregates,
    );
    // Per aggregate, take rows in order up to the first one another relay holds.
    const blocked = new Set<string>();
    const allowed = new Set<number>();
    for (const { aggregate_id, seq } of unpublished) {
      if (blocked.has(aggregate_id)) continue;
      if (mine.has(Number(seq))) allowed.add(Number(seq));
      else blocked.add(aggregate_id);
    }
    return rows.filter((r) => allowed.has(Number(r.seq)));
  }

  private async publishAndMark(manager: EntityManager, rows: Row[]): Promise<number> {
    if (!rows.length) return 0;
    const spans: Array<Span | undefined> = [];
    const records: EventRecord[] = rows.map((r) => {
      const envelope = JSON.parse(r.envelope) as Envelope;
      // Published in the trace of the transaction that wrote the row: the
      // consumer's span becomes a child of this one, itself a child of the producer's.
      const stored = parseTraceHeaders(r.trace_context);
      const span = startSpan(this.options.service, `${r.topic} publish`, {
        kind: SpanKind.PRODUCER,
        parent: contextFromHeaders(stored, ROOT_CONTEXT),
        attributes: { 'messaging.system': this.options.transport === 'broker' ? 'kafka' : 'in-process', 'messaging.operation.type': 'send', 'messaging.destination.name': r.topic, 'messaging.message.id': envelope.id, 'messaging.kafka.message.key': r.aggregate_id, 'shop.event_type': r.type, 'shop.correlation_id': envelope.correlationId },
      });
      spans.push(span);
      return { topic: r.topic, key: r.aggregate_id, value: envelope, headers: { ...envelopeHeaders(envelope), ...stored, ...spanHeaders(span) } };
    });
    try {
      await this.publisher.publish(records);
    } catch (err) {
      for (const span of spans) endSpan(span, err);
      throw err;
    }
    for (const span of spans) endSpan(span);
    const seqs = rows.map((r) => Number(r.seq));
    await manager.query(`UPDATE outbox SET published_at = ? WHERE seq IN (${seqs.map(() => '?').join(',')})`, [sqlTimestamp(new Date()), ...seqs]);
    for (const r of rows) this.metrics.eventsPublished.inc({ topic: r.topic, type: r.type });
    return rows.length;
  }

  private async cleanup(): Promise<void> {
    if (Date.now() - this.lastCleanup < 3600_000) return;
    this.lastCleanup = Date.now();
    await this.dataSource.query('DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < ?', [sqlTimestamp(new Date(Date.now() - RETENTION_MS))]);
  }

  /** Rows not yet published and the age of the oldest, for metrics and health. */
  async lag(): Promise<{ waiting: number; oldestAgeSeconds: number }> {
    const [row] = (await this.dataSource.query('SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE published_at IS NULL')) as Array<{ n: number | string; oldest: string | Date | null }>;
    const oldest = fromSqlTimestamp(row?.oldest)?.getTime();
    return { waiting: Number(row?.n ?? 0), oldestAgeSeconds: oldest ? Math.max(0, (Date.now() - oldest) / 1000) : 0 };
  }
}
