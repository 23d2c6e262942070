import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { type ListMailbox, type MailboxMessageView, type NotificationJob, type Page, newId } from '@shop/contracts';
import { isDuplicateKeyError } from '@shop/database';
import { METRICS_REGISTRY, counterIn } from '@shop/messaging';
import type { Counter, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { SmtpMailer } from '../delivery/smtp.mailer.js';
import { renderMail } from '../templates/templates.js';
import { MailboxMessage } from './mailbox-message.entity.js';

export const MAX_MAILBOX_PAGE = 100;
const EMAIL = /^[^\s@<>()[\]",;:\\]+@[^\s@<>()[\]",;:\\]+\.[^\s@<>()[\]",;:\\]+$/;

export function isDeliverableAddress(address: unknown): address is string {
  return typeof address === 'string' && address.length <= 254 && EMAIL.test(address);
}

/** Clamps a page request: page from 1, pageSize from 1 to the maximum (default 20). */
export function clampPage(q: { page?: number; pageSize?: number }, max: number): { page: number; pageSize: number } {
  const page = Math.max(1, Math.floor(Number(q.page ?? 1)) || 1);
  const pageSize = Math.min(max, Math.max(1, Math.floor(Number(q.pageSize ?? 20)) || 20));
  return { page, pageSize };
}

export type DeliveryOutcome = 'delivered' | 'duplicate';

/**
 * Delivers rendered messages: kept in the mailbox (the default), or sent by
 * SMTP with a copy kept. The message key is unique in the mailbox, so a job
 * delivered twice stores and sends its message once.
 */
@Injectable()
export class MailboxService {
  private readonly logger = new Logger(MailboxService.name);

  private readonly sent?: Counter<'template' | 'channel'>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly mailer: SmtpMailer,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    this.sent = registry && counterIn(registry, 'shop_notifications_sent_total', 'Notifications delivered, by template and channel (mailbox, smtp).', ['template', 'channel']);
  }

  async deliver(job: NotificationJob, jobId: string): Promise<DeliveryOutcome> {
    if (!isDeliverableAddress(job.to)) throw new Error('the recipient is no e-mail address');
    const mail = renderMail(job.template, job.data);
    const repo = this.dataSource.getRepository(MailboxMessage);
    if (await repo.existsBy({ key: job.key })) return 'duplicate';
    // At least once: a send whose copy cannot be stored is retried and may be sent again;
    // its Message-ID (from the key) lets the receiving side drop the second one.
    if (this.mailer.enabled) await this.mailer.send({ to: job.to, subject: mail.subject, text: mail.text, key: job.key });
    const row: MailboxMessage = {
      id: newId(),
      key: job.key,
      template: job.template,
      recipient: job.to.trim().toLowerCase(),
      subject: mail.subject,
      body: mail.text,
      channel: this.mailer.enabled ? 'smtp' : 'mailbox',
      jobId,
      createdAt: new Date(),
    };
    try {
      // In a transaction: on SQLite that waits for its turn instead of joining another caller's open one.
      await this.dataSource.transaction((m) => m.insert(MailboxMessage, row));
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'duplicate';
      throw err;
    }
    this.sent?.inc({ template: job.template, channel: row.channel });
    this.logger.log({ msg: 'notification delivered', template: job.template, channel: row.channel, key: job.key, jobId });
    return 'delivered';
  }

  async list(q: ListMailbox): Promise<Page<MailboxMessageView>> {
    const { page, pageSize } = clampPage(q, MAX_MAILBOX_PAGE);
    const qb = this.dataSource.getRepository(MailboxMessage).createQueryBuilder('m');
    if (q.to) qb.andWhere('m.recipient = :to', { to: q.to.trim().toLowerCase() });
    if (q.template) qb.andWhere('m.template = :template', { template: q.template });
    const [rows, total] = await qb.orderBy('m.created_at', 'DESC').addOrderBy('m.id', 'DESC').skip((page - 1) * pageSize).take(pageSize).getManyAndCount();
    return { items: rows.map(toView), total, page, pageSize };
  }
}

function toView(m: MailboxMessage): MailboxMessageView {
  return { id: m.id, key: m.key, template: m.template, to: m.recipient, subject: m.subject, text: m.body, channel: m.channel, createdAt: m.createdAt.toISOString() };
}
