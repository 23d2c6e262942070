import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateIdentity1764000000300 implements MigrationInterface {
  name = 'CreateIdentity1764000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'users',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'email', type: 'varchar', length: '254', isUnique: true },
          { name: 'email_verified', type: 'boolean', default: false },
          { name: 'display_name', type: 'varchar', length: '100' },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'roles', type: 'varchar', length: '64' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'updated_at', type: 'datetime', precision: 3 },
          { name: 'version', type: 'integer' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'refresh_tokens',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'family_id', type: 'varchar', length: '36' },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'secret_hash', type: 'varchar', length: '64' },
          { name: 'expires_at', type: 'datetime', precision: 3 },
          { name: 'used_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'revoked_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'created_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
    await q.createIndex('refresh_tokens', new TableIndex({ name: 'idx_refresh_family', columnNames: ['family_id'] }));
    await q.createIndex('refresh_tokens', new TableIndex({ name: 'idx_refresh_user', columnNames: ['user_id'] }));
    await q.createTable(
      new Table({
        name: 'signing_keys',
        columns: [
          { name: 'kid', type: 'varchar', length: '64', isPrimary: true },
          { name: 'public_jwk', type: 'text' },
          { name: 'private_jwk', type: 'text' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'retired_at', type: 'datetime', precision: 3, isNullable: true },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('signing_keys');
    await q.dropTable('refresh_tokens');
    await q.dropTable('users');
  }
}
