import { Controller } from '@nestjs/common';
import { DomainError, ErrorCodes, type ListMailbox, NOTIFICATION_TEMPLATES } from '@shop/contracts';
import { requireRole } from '@shop/auth';
import { type RpcCall, RpcHandler } from '@shop/messaging';
import { MailboxService } from './mailbox.service.js';

@Controller()
export class MailboxRpcController {
  constructor(private readonly mailbox: MailboxService) {}

  @RpcHandler('notification.mailbox')
  list(q: ListMailbox, { actor }: RpcCall) {
    requireRole(actor, 'ADMIN');
    if (q.template !== undefined && !NOTIFICATION_TEMPLATES.includes(q.template)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, `template must be one of ${NOTIFICATION_TEMPLATES.join(', ')}`);
    if (q.to !== undefined && (typeof q.to !== 'string' || q.to.length > 254)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'to must be an e-mail address');
    return this.mailbox.list(q);
  }
}
