import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

const ts = (name: string, isNullable = false) => ({ name, type: 'datetime', precision: 3, isNullable });

export class CreateOrders1764000000600 implements MigrationInterface {
  name = 'CreateOrders1764000000600';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'orders',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'customer_id', type: 'varchar', length: '36' },
          { name: 'customer_email', type: 'varchar', length: '254' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'total_amount', type: 'bigint' },
          { name: 'currency', type: 'varchar', length: '3' },
          { name: 'shipping_address', type: 'text' },
          { name: 'reason', type: 'varchar', length: '500', isNullable: true },
          ts('payment_due_at', true),
          ts('payment_lock_until', true),
          ts('next_check_at', true),
          { name: 'reservation_attempts', type: 'integer', default: 1 },
          { name: 'version', type: 'integer' },
          ts('created_at'),
          ts('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_orders_customer', columnNames: ['customer_id', 'created_at'] }),
          new TableIndex({ name: 'idx_orders_due', columnNames: ['next_check_at'] }),
          new TableIndex({ name: 'idx_orders_status', columnNames: ['status', 'created_at'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'order_lines',
        columns: [
          { name: 'order_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'product_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'seller_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'quantity', type: 'integer' },
          { name: 'unit_amount', type: 'integer' },
          { name: 'carrier', type: 'varchar', length: '40', isNullable: true },
          { name: 'tracking_number', type: 'varchar', length: '64', isNullable: true },
          ts('shipped_at', true),
          ts('delivered_at', true),
        ],
        indices: [new TableIndex({ name: 'idx_order_lines_seller', columnNames: ['seller_id', 'order_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'order_history',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'order_id', type: 'varchar', length: '36' },
          ts('at'),
          { name: 'actor', type: 'varchar', length: '80' },
          { name: 'from_status', type: 'varchar', length: '16', isNullable: true },
          { name: 'to_status', type: 'varchar', length: '16' },
          { name: 'reason', type: 'varchar', length: '500' },
        ],
        indices: [new TableIndex({ name: 'idx_order_history_order', columnNames: ['order_id', 'at'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'payments',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'order_id', type: 'varchar', length: '36' },
          { name: 'outcome', type: 'varchar', length: '16' },
          { name: 'amount', type: 'bigint' },
          { name: 'currency', type: 'varchar', length: '3' },
          { name: 'method', type: 'varchar', length: '32' },
          { name: 'provider_reference', type: 'varchar', length: '64', isNullable: true },
          ts('created_at'),
        ],
        indices: [new TableIndex({ name: 'idx_payments_order', columnNames: ['order_id', 'created_at'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          { name: 'user_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'idem_key', type: 'varchar', length: '255', isPrimary: true },
          { name: 'request_hash', type: 'varchar', length: '64' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'response', type: 'text', isNullable: true },
          ts('locked_until'),
          ts('created_at'),
          ts('expires_at'),
        ],
        indices: [new TableIndex({ name: 'idx_idempotency_expiry', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['idempotency_keys', 'payments', 'order_history', 'order_lines', 'orders']) await q.dropTable(t);
  }
}
