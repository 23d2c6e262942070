import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateProducts1764000000100 implements MigrationInterface {
  name = 'CreateProducts1764000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'products',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'slug', type: 'varchar', length: '160', isUnique: true },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'description', type: 'text' },
          { name: 'price_amount', type: 'integer' },
          { name: 'price_currency', type: 'varchar', length: '3' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'seller_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'updated_at', type: 'datetime', precision: 3 },
          { name: 'version', type: 'integer' },
        ],
      }),
    );
    await q.createIndex('products', new TableIndex({ name: 'idx_products_status_created', columnNames: ['status', 'created_at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('products');
  }
}
