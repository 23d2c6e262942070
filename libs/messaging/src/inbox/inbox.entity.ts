import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An event a consumer has applied; its key makes a second delivery a no-op. */
@Entity('inbox')
export class InboxEntry {
  @PrimaryColumn({ name: 'event_id', type: 'varchar', length: 36 })
  eventId!: string;

  @PrimaryColumn({ name: 'consumer', type: 'varchar', length: 200 })
  consumer!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 100 })
  eventType!: string;

  @Column({ name: 'received_at', type: 'datetime', precision: 3 })
  receivedAt!: Date;
}
