import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

export class CatalogAndInventory1764000000400 implements MigrationInterface {
  name = 'CatalogAndInventory1764000000400';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('products', [
      new TableColumn({ name: 'category_id', type: 'varchar', length: '36', isNullable: true }),
      new TableColumn({ name: 'images', type: 'text', isNullable: true }),
      new TableColumn({ name: 'attributes', type: 'text', isNullable: true }),
    ]);
    // The list query filters on status first, then one of these.
    await q.createIndex('products', new TableIndex({ name: 'idx_products_status_category', columnNames: ['status', 'category_id'] }));
    await q.createIndex('products', new TableIndex({ name: 'idx_products_status_price', columnNames: ['status', 'price_amount'] }));
    await q.createIndex('products', new TableIndex({ name: 'idx_products_status_name', columnNames: ['status', 'name'] }));
    await q.createIndex('products', new TableIndex({ name: 'idx_products_seller', columnNames: ['seller_id', 'status'] }));
    await q.createTable(
      new Table({
        name: 'categories',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'slug', type: 'varchar', length: '160', isUnique: true },
          { name: 'name', type: 'varchar', length: '120' },
          { name: 'parent_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'path', type: 'varchar', length: '400' },
          { name: 'created_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
    await q.createIndex('categories', new TableIndex({ name: 'idx_categories_path', columnNames: ['path'] }));
    await q.createTable(
      new Table({
        name: 'stock',
        columns: [
          { name: 'product_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'on_hand', type: 'integer' },
          { name: 'reserved', type: 'integer' },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
        checks: [{ name: 'chk_stock_non_negative', expression: 'reserved >= 0 AND on_hand >= reserved' }],
      }),
    );
    await q.createTable(
      new Table({
        name: 'reservations',
        columns: [
          { name: 'order_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'product_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'quantity', type: 'integer' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'expires_at', type: 'datetime', precision: 3 },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
    await q.createIndex('reservations', new TableIndex({ name: 'idx_reservations_expiry', columnNames: ['status', 'expires_at'] }));
    await q.createTable(
      new Table({
        name: 'stock_movements',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'product_id', type: 'varchar', length: '36' },
          { name: 'on_hand_delta', type: 'integer' },
          { name: 'reserved_delta', type: 'integer' },
          { name: 'on_hand_after', type: 'integer' },
          { name: 'reserved_after', type: 'integer' },
          { name: 'reason', type: 'varchar', length: '200' },
          { name: 'actor_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'order_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'created_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
    await q.createIndex('stock_movements', new TableIndex({ name: 'idx_movements_product', columnNames: ['product_id', 'created_at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('stock_movements');
    await q.dropTable('reservations');
    await q.dropTable('stock');
    await q.dropTable('categories');
    for (const i of ['idx_products_status_category', 'idx_products_status_price', 'idx_products_status_name', 'idx_products_seller']) await q.dropIndex('products', i);
    await q.dropColumns('products', ['category_id', 'images', 'attributes']);
  }
}
