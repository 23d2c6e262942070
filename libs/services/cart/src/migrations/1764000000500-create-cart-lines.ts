import { type MigrationInterface, type QueryRunner, Table, TableColumn } from 'typeorm';

export class CreateCartLines1764000000500 implements MigrationInterface {
  name = 'CreateCartLines1764000000500';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'cart_lines',
        columns: [
          { name: 'customer_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'product_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'quantity', type: 'integer' },
          { name: 'unit_price_amount', type: 'integer' },
          { name: 'unit_price_currency', type: 'varchar', length: '3' },
          { name: 'added_at', type: 'datetime', precision: 3 },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
    await q.addColumns('product_snapshots', [
      new TableColumn({ name: 'available', type: 'integer', isNullable: true }),
      new TableColumn({ name: 'stock_updated_at', type: 'datetime', precision: 3, isNullable: true }),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumns('product_snapshots', ['available', 'stock_updated_at']);
    await q.dropTable('cart_lines');
  }
}
