import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Stock of one product. Available = on hand - reserved; never below zero (checked by every conditional update). */
@Entity('stock')
export class Stock {
  @PrimaryColumn({ name: 'product_id', type: 'varchar', length: 36 })
  productId!: string;

  @Column({ name: 'on_hand', type: 'integer' })
  onHand!: number;

  @Column({ type: 'integer' })
  reserved!: number;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
