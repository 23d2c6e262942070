import { Column, Entity, PrimaryColumn, VersionColumn } from 'typeorm';
import type { ProductStatus } from '@shop/contracts';

@Entity('products')
export class Product {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 160, unique: true })
  slug!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'text' })
  description!: string;

  @Column({ name: 'category_id', type: 'varchar', length: 36, nullable: true })
  categoryId!: string | null;

  /** JSON array of image URLs. */
  @Column({ type: 'text', nullable: true })
  images!: string | null;

  /** JSON object of attribute name to value. */
  @Column({ type: 'text', nullable: true })
  attributes!: string | null;

  /** Integer minor units (cents). */
  @Column({ name: 'price_amount', type: 'integer' })
  priceAmount!: number;

  @Column({ name: 'price_currency', type: 'varchar', length: 3 })
  priceCurrency!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: ProductStatus;

  @Column({ name: 'seller_id', type: 'varchar', length: 36, nullable: true })
  sellerId!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @VersionColumn()
  version!: number;
}
