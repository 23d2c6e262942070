import { Injectable, Logger } from '@nestjs/common';
import type { Envelope, NotificationTemplate, OrderStatusChanged } from '@shop/contracts';
import { JobQueue } from '@shop/messaging';
import { isDeliverableAddress } from '../mailbox/mailbox.service.js';
import type { OrderMailData } from '../templates/templates.js';

/** Turns order events into notification jobs. */
@Injectable()
export class OrderNotificationsService {
  private readonly logger = new Logger(OrderNotificationsService.name);

  constructor(private readonly jobs: JobQueue) {}

  /**
   * Enqueues the message of one event. Called inside the event's inbox
   * transaction, before it commits: an event handled again after a failed
   * commit enqueues again, with the same key (`<event id>:<template>`), and
   * the mailbox delivers that key once.
   */
  async notify(template: NotificationTemplate, e: OrderStatusChanged, envelope: Envelope): Promise<void> {
    if (!isDeliverableAddress(e.customerEmail)) {
      this.logger.warn({ msg: 'order event without a deliverable customer e-mail; no notification', eventId: envelope.id, type: envelope.type, orderId: e.orderId });
      return;
    }
    const data: OrderMailData = { orderId: e.orderId, total: e.total, itemCount: e.lines.reduce((n, l) => n + l.quantity, 0), reason: e.reason };
    await this.jobs.enqueue('notifications', { template, to: e.customerEmail, key: `${envelope.id}:${template}`, data: { ...data } });
  }
}
