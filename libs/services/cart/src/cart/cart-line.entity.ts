import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One product in a customer's cart, with the price the customer saw when adding it. */
@Entity('cart_lines')
export class CartLine {
  @PrimaryColumn({ name: 'customer_id', type: 'varchar', length: 36 })
  customerId!: string;

  @PrimaryColumn({ name: 'product_id', type: 'varchar', length: 36 })
  productId!: string;

  @Column({ type: 'integer' })
  quantity!: number;

  @Column({ name: 'unit_price_amount', type: 'integer' })
  unitPriceAmount!: number;

  @Column({ name: 'unit_price_currency', type: 'varchar', length: 3 })
  unitPriceCurrency!: string;

  @Column({ name: 'added_at', type: 'datetime', precision: 3 })
  addedAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
