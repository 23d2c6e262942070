import type { ServiceDefinition } from '@shop/platform';
import { DeadLetter } from './dead-letters/dead-letter.entity.js';
import { MailboxMessage } from './mailbox/mailbox-message.entity.js';
import { CreateMailboxAndDeadLetters1764000000610 } from './migrations/1764000000610-create-mailbox-and-dead-letters.js';
import { NotificationModule } from './notification.module.js';
import { OrderEventsController } from './order-events/order.events.controller.js';

export const notificationService: ServiceDefinition = {
  name: 'notification',
  module: NotificationModule,
  defaultHttpPort: 3005,
  rpc: true,
  schema: { entities: [MailboxMessage, DeadLetter], migrations: [CreateMailboxAndDeadLetters1764000000610] },
  eventHandlers: [OrderEventsController],
};
