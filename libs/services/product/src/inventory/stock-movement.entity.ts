import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Every change to a product's stock, with who made it and why. */
@Entity('stock_movements')
@Index('idx_movements_product', ['productId', 'createdAt'])
export class StockMovement {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'product_id', type: 'varchar', length: 36 })
  productId!: string;

  @Column({ name: 'on_hand_delta', type: 'integer' })
  onHandDelta!: number;

  @Column({ name: 'reserved_delta', type: 'integer' })
  reservedDelta!: number;

  @Column({ name: 'on_hand_after', type: 'integer' })
  onHandAfter!: number;

  @Column({ name: 'reserved_after', type: 'integer' })
  reservedAfter!: number;

  @Column({ type: 'varchar', length: 200 })
  reason!: string;

  @Column({ name: 'actor_id', type: 'varchar', length: 64, nullable: true })
  actorId!: string | null;

  @Column({ name: 'order_id', type: 'varchar', length: 36, nullable: true })
  orderId!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
