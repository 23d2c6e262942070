import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { AddOutboxTraceContext1764000001000 } from './outbox/outbox-trace-context.migration.js';

/** Creates the `outbox` and `inbox` tables; every service that publishes or consumes events includes it. */
export class CreateMessagingTables1764000000000 implements MigrationInterface {
  name = 'CreateMessagingTables1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'outbox',
        columns: [
          { name: 'seq', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'id', type: 'varchar', length: '36', isUnique: true },
          { name: 'topic', type: 'varchar', length: '200' },
          { name: 'type', type: 'varchar', length: '100' },
          { name: 'aggregate_id', type: 'varchar', length: '64' },
          { name: 'envelope', type: 'text' },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'published_at', type: 'datetime', precision: 3, isNullable: true },
        ],
      }),
    );
    await q.createIndex('outbox', new TableIndex({ name: 'idx_outbox_unpublished', columnNames: ['published_at', 'seq'] }));
    await q.createIndex('outbox', new TableIndex({ name: 'idx_outbox_aggregate', columnNames: ['aggregate_id', 'seq'] }));
    await q.createTable(
      new Table({
        name: 'inbox',
        columns: [
          { name: 'event_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'consumer', type: 'varchar', length: '200', isPrimary: true },
          { name: 'event_type', type: 'varchar', length: '100' },
          { name: 'received_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('inbox');
    await q.dropTable('outbox');
  }
}

export const MESSAGING_ENTITIES = ['OutboxMessage', 'InboxEntry'] as const;

/** The messaging tables' migrations, in order: every service with a database runs them before its own. */
export const MESSAGING_MIGRATIONS = [CreateMessagingTables1764000000000, AddOutboxTraceContext1764000001000];
