import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/**
 * Adds `outbox.trace_context`: the W3C trace context (traceparent and
 * tracestate, as JSON) of the transaction that wrote the row, so the relay
 * publishes each event in its producer's trace. Null for rows written with
 * tracing off (and for rows written before this migration).
 */
export class AddOutboxTraceContext1764000001000 implements MigrationInterface {
  name = 'AddOutboxTraceContext1764000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('outbox', new TableColumn({ name: 'trace_context', type: 'varchar', length: '1024', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('outbox', 'trace_context');
  }
}
