import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor, Optional } from '@nestjs/common';
import { DomainError, ErrorCodes, isEnvelope } from '@shop/contracts';
import { Observable, type Subscription, finalize, from, switchMap, tap } from 'rxjs';
import { MessageContextStore } from '../context.js';
import { MessagingMetrics, outcomeCode } from '../metrics.js';
import { ackRpcRequest } from './rpc-ack.js';
import { RPC_AUTHENTICATOR, type RpcAuthenticator } from './rpc-auth.js';

/** Nest's @MessagePattern metadata key: the pattern a handler answers, the metrics' label. */
const PATTERN_METADATA = 'microservices:pattern';

/**
 * Checks the envelope, verifies the caller's token (the actor a request claims
 * is never trusted), restores the correlation context, and acks when done.
 * Counts and times every request by pattern and outcome code.
 */
@Injectable()
export class RpcServerInterceptor implements NestInterceptor {
  constructor(
    @Optional() @Inject(RPC_AUTHENTICATOR) private readonly authenticator?: RpcAuthenticator,
    @Optional() @Inject(MessagingMetrics) private readonly metrics?: MessagingMetrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const started = performance.now();
    const patterns = Reflect.getMetadata(PATTERN_METADATA, context.getHandler()) as unknown[] | undefined;
    const pattern = typeof patterns?.[0] === 'string' ? patterns[0] : 'unknown';
    const observe = (err?: unknown) => {
      if (!this.metrics) return;
      this.metrics.rpcServerRequests.inc({ pattern, code: outcomeCode(err) });
      this.metrics.rpcServerDuration.observe({ pattern }, (performance.now() - started) / 1000);
    };
    const data = context.switchToRpc().getData<unknown>();
    if (!isEnvelope(data)) {
      const err = new DomainError(ErrorCodes.VALIDATION_FAILED, 'RPC request is not a message envelope');
      observe(err);
      throw err;
    }
    const actor = data.token && this.authenticator ? this.authenticator.authenticate(data) : Promise.resolve(undefined);
    return from(actor).pipe(
      switchMap(
        (verified) =>
          new Observable((subscriber) =>
            MessageContextStore.forRequest<Subscription>(data, verified, () => next.handle().subscribe(subscriber)),
          ),
      ),
      tap({ complete: () => observe(), error: (err: unknown) => observe(err) }),
      finalize(() => ackRpcRequest(context)),
    );
  }
}
