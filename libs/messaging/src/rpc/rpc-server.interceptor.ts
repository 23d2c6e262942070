import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { DomainError, ErrorCodes, isEnvelope } from '@shop/contracts';
import { Observable, type Subscription, finalize } from 'rxjs';
import { MessageContextStore } from '../context.js';
import { ackRpcRequest } from './rpc-ack.js';

/** Checks the envelope, restores its correlation context, and acks when done. */
@Injectable()
export class RpcServerInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const data = context.switchToRpc().getData<unknown>();
    if (!isEnvelope(data)) {
      throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'RPC request is not a message envelope');
    }
    return new Observable((subscriber) =>
      MessageContextStore.fromEnvelope<Subscription>(data, () =>
        next
          .handle()
          .pipe(finalize(() => ackRpcRequest(context)))
          .subscribe(subscriber),
      ),
    );
  }
}
