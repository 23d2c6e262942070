import type { NotificationTemplate } from '@shop/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A message delivered: kept here (the default channel) or sent by SMTP (a copy). One per message key. */
@Entity('mailbox_messages')
export class MailboxMessage {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'message_key', type: 'varchar', length: 200, unique: true })
  key!: string;

  @Column({ type: 'varchar', length: 40 })
  template!: NotificationTemplate;

  @Column({ type: 'varchar', length: 254 })
  recipient!: string;

  @Column({ type: 'varchar', length: 300 })
  subject!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'varchar', length: 10 })
  channel!: 'mailbox' | 'smtp';

  @Column({ name: 'job_id', type: 'varchar', length: 36 })
  jobId!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
