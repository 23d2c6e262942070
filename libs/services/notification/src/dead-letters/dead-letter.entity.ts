import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A job that failed for good, kept so that an admin can read why and replay it. */
@Entity('dead_letters')
export class DeadLetter {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  queue!: string;

  @Column({ name: 'job_id', type: 'varchar', length: 64, unique: true })
  jobId!: string;

  /** The job's payload as JSON. */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'text' })
  error!: string;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'failed_at', type: 'datetime', precision: 3 })
  failedAt!: Date;

  @Column({ name: 'replayed_at', type: 'datetime', precision: 3, nullable: true })
  replayedAt!: Date | null;

  @Column({ type: 'integer', default: 0 })
  replays!: number;
}
