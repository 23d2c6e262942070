import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

export class CreateProductSnapshots1764000000200 implements MigrationInterface {
  name = 'CreateProductSnapshots1764000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'product_snapshots',
        columns: [
          { name: 'product_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'price_amount', type: 'integer' },
          { name: 'price_currency', type: 'varchar', length: '3' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('product_snapshots');
  }
}
