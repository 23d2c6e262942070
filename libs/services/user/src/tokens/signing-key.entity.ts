import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An Ed25519 key pair for access tokens. The newest active key signs; retired keys still verify for a while. */
@Entity('signing_keys')
export class SigningKey {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid!: string;

  @Column({ name: 'public_jwk', type: 'text' })
  publicJwk!: string;

  @Column({ name: 'private_jwk', type: 'text' })
  privateJwk!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: 'ACTIVE' | 'RETIRED';

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'retired_at', type: 'datetime', precision: 3, nullable: true })
  retiredAt!: Date | null;
}
