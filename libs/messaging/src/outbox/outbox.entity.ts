import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** An event written in the same transaction as the state change it reports. */
@Entity('outbox')
@Index('idx_outbox_unpublished', ['publishedAt', 'seq'])
export class OutboxMessage {
  /** Commit-ordered sequence: the relay publishes in this order per aggregate. */
  @PrimaryGeneratedColumn({ name: 'seq' })
  seq!: number;

  @Column({ name: 'id', type: 'varchar', length: 36, unique: true })
  id!: string;

  @Column({ name: 'topic', type: 'varchar', length: 200 })
  topic!: string;

  @Column({ name: 'type', type: 'varchar', length: 100 })
  type!: string;

  @Column({ name: 'aggregate_id', type: 'varchar', length: 64 })
  aggregateId!: string;

  /** The whole envelope, as JSON. */
  @Column({ name: 'envelope', type: 'text' })
  envelope!: string;

  /** The producer's W3C trace context (JSON of traceparent/tracestate); null when written with tracing off. */
  @Column({ name: 'trace_context', type: 'varchar', length: 1024, nullable: true })
  traceContext!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'datetime', precision: 3, nullable: true })
  publishedAt!: Date | null;
}
