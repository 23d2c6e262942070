import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ProductStatus } from '@shop/contracts';

/** The cart's own copy of catalog facts, kept from catalog events (no cross-service reads). */
@Entity('product_snapshots')
export class ProductSnapshot {
  @PrimaryColumn({ name: 'product_id', type: 'varchar', length: 36 })
  productId!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'price_amount', type: 'integer' })
  priceAmount!: number;

  @Column({ name: 'price_currency', type: 'varchar', length: 3 })
  priceCurrency!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: ProductStatus;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;

  /** Units available, from inventory events (the final word is the reservation at checkout). */
  @Column({ type: 'integer', nullable: true })
  available!: number | null;

  @Column({ name: 'stock_updated_at', type: 'datetime', precision: 3, nullable: true })
  stockUpdatedAt!: Date | null;
}
