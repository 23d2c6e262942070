import { Column, Entity, PrimaryColumn, VersionColumn } from 'typeorm';
import type { UserStatus } from '@shop/contracts';

@Entity('users')
export class User {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Normalized: trimmed and lower-cased; unique. */
  @Column({ type: 'varchar', length: 254, unique: true })
  email!: string;

  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified!: boolean;

  @Column({ name: 'display_name', type: 'varchar', length: 100 })
  displayName!: string;

  /** argon2id PHC string; never leaves this service. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  /** Comma-separated roles, e.g. "CUSTOMER,SELLER". */
  @Column({ type: 'varchar', length: 64 })
  roles!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: UserStatus;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @VersionColumn()
  version!: number;
}
