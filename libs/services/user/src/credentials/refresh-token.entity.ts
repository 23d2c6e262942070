import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One refresh token of a family (a login). Only a hash of its secret is kept.
 * Rotation marks it used; presenting a used one again revokes the family.
 */
@Entity('refresh_tokens')
@Index('idx_refresh_family', ['familyId'])
@Index('idx_refresh_user', ['userId'])
export class RefreshToken {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'family_id', type: 'varchar', length: 36 })
  familyId!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  /** SHA-256 of the secret part, hex. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 64 })
  secretHash!: string;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3 })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'datetime', precision: 3, nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
