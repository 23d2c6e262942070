import { Controller } from '@nestjs/common';
import { DomainError, ErrorCodes } from '@shop/contracts';
import { requireRole } from '@shop/auth';
import { type RpcCall, RpcHandler } from '@shop/messaging';
import { DeadLettersService } from './dead-letters.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Controller()
export class DeadLettersRpcController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @RpcHandler('notification.deadLetters')
  list(q: { page?: number; pageSize?: number }, { actor }: RpcCall) {
    requireRole(actor, 'ADMIN');
    return this.deadLetters.list(q);
  }

  @RpcHandler('notification.replayDeadLetter')
  replay(cmd: { id: string }, { actor }: RpcCall) {
    requireRole(actor, 'ADMIN');
    if (typeof cmd.id !== 'string' || !UUID.test(cmd.id)) throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'id must be a UUID');
    return this.deadLetters.replay(cmd.id);
  }
}
