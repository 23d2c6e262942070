import { Module } from '@nestjs/common';
import { APP_ENV } from '@shop/platform';
import { DeadLettersRpcController } from './dead-letters/dead-letters.rpc.controller.js';
import { DeadLettersService } from './dead-letters/dead-letters.service.js';
import { NotificationWorker } from './delivery/notification.worker.js';
import { MAIL_SETTINGS, SmtpMailer, mailSettingsFromEnv } from './delivery/smtp.mailer.js';
import { MailboxRpcController } from './mailbox/mailbox.rpc.controller.js';
import { MailboxService } from './mailbox/mailbox.service.js';
import { OrderNotificationsService } from './order-events/order-notifications.service.js';
import { OrderEventsController } from './order-events/order.events.controller.js';

/** Order events in, notification jobs on the work queue, messages out (mailbox or SMTP), dead letters kept for replay. */
@Module({
  controllers: [OrderEventsController, MailboxRpcController, DeadLettersRpcController],
  providers: [
    { provide: MAIL_SETTINGS, inject: [APP_ENV], useFactory: mailSettingsFromEnv },
    SmtpMailer,
    MailboxService,
    DeadLettersService,
    OrderNotificationsService,
    NotificationWorker,
  ],
})
export class NotificationModule {}
