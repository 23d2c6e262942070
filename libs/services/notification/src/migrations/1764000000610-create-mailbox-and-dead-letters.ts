import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/** The mailbox (every message delivered, one per message key) and the dead letters of the notifications queue. */
export class CreateMailboxAndDeadLetters1764000000610 implements MigrationInterface {
  name = 'CreateMailboxAndDeadLetters1764000000610';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'mailbox_messages',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'message_key', type: 'varchar', length: '200', isUnique: true },
          { name: 'template', type: 'varchar', length: '40' },
          { name: 'recipient', type: 'varchar', length: '254' },
          { name: 'subject', type: 'varchar', length: '300' },
          { name: 'body', type: 'text' },
          { name: 'channel', type: 'varchar', length: '10' },
          { name: 'job_id', type: 'varchar', length: '36' },
          { name: 'created_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
    await q.createIndex('mailbox_messages', new TableIndex({ name: 'idx_mailbox_recipient', columnNames: ['recipient', 'created_at'] }));
    await q.createIndex('mailbox_messages', new TableIndex({ name: 'idx_mailbox_template', columnNames: ['template', 'created_at'] }));
    await q.createTable(
      new Table({
        name: 'dead_letters',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'queue', type: 'varchar', length: '100' },
          // One row per dead-lettered job: a dead letter redelivered by the broker is stored once.
          { name: 'job_id', type: 'varchar', length: '64', isUnique: true },
          { name: 'payload', type: 'text' },
          { name: 'error', type: 'text' },
          { name: 'attempts', type: 'integer' },
          { name: 'failed_at', type: 'datetime', precision: 3 },
          { name: 'replayed_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'replays', type: 'integer', default: 0 },
        ],
      }),
    );
    await q.createIndex('dead_letters', new TableIndex({ name: 'idx_dead_letters_failed', columnNames: ['failed_at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('dead_letters');
    await q.dropTable('mailbox_messages');
  }
}
