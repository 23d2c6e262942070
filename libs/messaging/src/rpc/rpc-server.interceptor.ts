import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor, Optional } from '@nestjs/common';
import { DomainError, ErrorCodes, isEnvelope } from '@shop/contracts';
import { Observable, type Subscription, finalize, from, switchMap } from 'rxjs';
import { MessageContextStore } from '../context.js';
import { ackRpcRequest } from './rpc-ack.js';
import { RPC_AUTHENTICATOR, type RpcAuthenticator } from './rpc-auth.js';

/**
 * Checks the envelope, verifies the caller's token (the actor a request claims
 * is never trusted), restores the correlation context, and acks when done.
 */
@Injectable()
export class RpcServerInterceptor implements NestInterceptor {
  constructor(@Optional() @Inject(RPC_AUTHENTICATOR) private readonly authenticator?: RpcAuthenticator) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const data = context.switchToRpc().getData<unknown>();
    if (!isEnvelope(data)) {
      throw new DomainError(ErrorCodes.VALIDATION_FAILED, 'RPC request is not a message envelope');
    }
    const actor = data.token && this.authenticator ? this.authenticator.authenticate(data) : Promise.resolve(undefined);
    return from(actor).pipe(
      switchMap(
        (verified) =>
          new Observable((subscriber) =>
            MessageContextStore.forRequest<Subscription>(data, verified, () => next.handle().subscribe(subscriber)),
          ),
      ),
      finalize(() => ackRpcRequest(context)),
    );
  }
}
