import { Injectable, Logger } from '@nestjs/common';
import { type DeadLetterView, DomainError, ErrorCodes, type JobQueueName, NOTIFICATION_TEMPLATES, type NotificationJob, type Page, newId } from '@shop/contracts';
import { isDuplicateKeyError } from '@shop/database';
import { type DeadJob, JobQueue } from '@shop/messaging';
import { DataSource } from 'typeorm';
import { clampPage } from '../mailbox/mailbox.service.js';
import { DeadLetter } from './dead-letter.entity.js';

export const MAX_DEAD_LETTERS_PAGE = 100;

/** The job queues whose dead letters this service keeps and replays. */
const REPLAYABLE_QUEUES: readonly JobQueueName[] = ['notifications'];

function isNotificationJob(value: unknown): value is NotificationJob {
  const v = value as Partial<NotificationJob> | null;
  return typeof v === 'object' && v !== null && typeof v.to === 'string' && typeof v.key === 'string' && NOTIFICATION_TEMPLATES.includes(v.template as never) && typeof v.data === 'object' && v.data !== null;
}

/** Dead-lettered jobs, kept with their last error, listed for admins and replayed on request. */
@Injectable()
export class DeadLettersService {
  private readonly logger = new Logger(DeadLettersService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly jobs: JobQueue,
  ) {}

  /** Stores a dead letter once (the broker may hand the same one over again). */
  async record(dead: DeadJob): Promise<void> {
    const row: DeadLetter = {
      id: newId(),
      queue: dead.queue,
      jobId: dead.envelope.id,
      payload: JSON.stringify(dead.envelope.payload) ?? 'null',
      error: dead.error.slice(0, 2_000),
      attempts: dead.attempts,
      failedAt: dead.failedAt,
      replayedAt: null,
      replays: 0,
    };
    try {
      await this.dataSource.transaction((m) => m.insert(DeadLetter, row));
    } catch (err) {
      if (isDuplicateKeyError(err)) return;
      throw err;
    }
    this.logger.warn({ msg: 'job dead-lettered; kept for replay', queue: dead.queue, jobId: dead.envelope.id, attempts: dead.attempts, deadLetterId: row.id });
  }

  async list(q: { page?: number; pageSize?: number }): Promise<Page<DeadLetterView>> {
    const { page, pageSize } = clampPage(q, MAX_DEAD_LETTERS_PAGE);
    const [rows, total] = await this.dataSource
      .getRepository(DeadLetter)
      .createQueryBuilder('d')
      .orderBy('d.failed_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .skip((page - 1) * pageSize)
      .take(pageSize)
      .getManyAndCount();
    return { items: rows.map(toView), total, page, pageSize };
  }

  /**
   * Enqueues the job again, as new (attempt 1) with the same message key, and
   * records the replay. Replaying twice is harmless: the key delivers once.
   */
  async replay(id: string): Promise<DeadLetterView> {
    const repo = this.dataSource.getRepository(DeadLetter);
    const dead = await repo.findOneBy({ id });
    if (!dead) throw new DomainError(ErrorCodes.NOTIFICATION_NOT_FOUND, 'no such dead letter');
    let job: unknown;
    try {
      job = JSON.parse(dead.payload);
    } catch {
      job = undefined;
    }
    if (!REPLAYABLE_QUEUES.includes(dead.queue as JobQueueName) || !isNotificationJob(job)) {
      throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'this dead letter holds no job that can be replayed');
    }
    const jobId = await this.jobs.enqueue('notifications', job);
    const replayedAt = new Date();
    await this.dataSource.transaction((m) =>
      m
        .createQueryBuilder()
        .update(DeadLetter)
        .set({ replayedAt, replays: () => 'replays + 1' })
        .where('id = :id', { id })
        .execute(),
    );
    this.logger.log({ msg: 'dead letter replayed', deadLetterId: id, queue: dead.queue, jobId: dead.jobId, newJobId: jobId });
    // Read back: concurrent replays each count.
    return toView((await repo.findOneBy({ id })) ?? { ...dead, replayedAt, replays: dead.replays + 1 });
  }
}

function toView(d: DeadLetter): DeadLetterView {
  let payload: unknown;
  try {
    payload = JSON.parse(d.payload);
  } catch {
    payload = d.payload;
  }
  return { id: d.id, queue: d.queue, jobId: d.jobId, payload, error: d.error, attempts: d.attempts, failedAt: d.failedAt.toISOString(), replayedAt: d.replayedAt ? d.replayedAt.toISOString() : null, replays: d.replays };
}
