import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A node of the category tree. `path` lists the ids from the root, so a subtree is one prefix match. */
@Entity('categories')
export class Category {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 160, unique: true })
  slug!: string;

  @Column({ type: 'varchar', length: 120 })
  name!: string;

  @Column({ name: 'parent_id', type: 'varchar', length: 36, nullable: true })
  parentId!: string | null;

  /** `/<root id>/<child id>/.../<own id>/` */
  @Column({ type: 'varchar', length: 400 })
  path!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
