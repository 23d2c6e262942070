import { type CallHandler, type ExecutionContext, Inject, Injectable, Logger, type NestInterceptor, Optional } from '@nestjs/common';
import { RmqContext } from '@nestjs/microservices';
import { DomainError, ErrorCodes, MessageHeaders, isEnvelope } from '@shop/contracts';
import { SpanKind, contextFromHeaders, endSpan, startSpan, withSpan } from '@shop/observability';
import { Observable, type Subscription, finalize, from, switchMap, tap, throwError } from 'rxjs';
import { MessageContextStore } from '../context.js';
import { InProcessContext } from '../in-process/in-process.transport.js';
import { MessagingMetrics, outcomeCode } from '../metrics.js';
import { MESSAGING_OPTIONS, type MessagingOptions } from '../options.js';
import { ackRpcRequest } from './rpc-ack.js';
import { RPC_AUTHENTICATOR, type RpcAuthenticator } from './rpc-auth.js';

/** Nest's @MessagePattern metadata key: the pattern a handler answers, the metrics' label. */
const PATTERN_METADATA = 'microservices:pattern';

/** The headers an RPC request arrived with, on either transport. */
function requestHeaders(ctx: unknown): Record<string, unknown> | undefined {
  if (ctx instanceof RmqContext) return (ctx.getMessage() as { properties?: { headers?: Record<string, unknown> } }).properties?.headers;
  if (ctx instanceof InProcessContext) return ctx.getHeaders();
  return undefined;
}

/**
 * Checks the envelope, drops a request past the caller's deadline, verifies
 * the caller's token (the actor a request claims is never trusted), restores
 * the correlation context and the caller's trace context (the handler runs in
 * a server span, child of the caller's), and acks when done. Counts and times
 * every request by pattern and outcome code.
 */
@Injectable()
export class RpcServerInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Rpc');

  constructor(
    @Optional() @Inject(RPC_AUTHENTICATOR) private readonly authenticator?: RpcAuthenticator,
    @Optional() @Inject(MESSAGING_OPTIONS) private readonly options?: MessagingOptions,
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
    const rpc = context.switchToRpc();
    const data = rpc.getData<unknown>();
    if (!isEnvelope(data)) {
      const err = new DomainError(ErrorCodes.VALIDATION_FAILED, 'RPC request is not a message envelope');
      observe(err);
      throw err;
    }
    const headers = requestHeaders(rpc.getContext());
    const deadline = Number(headers?.[MessageHeaders.deadline]);
    if (deadline && Date.now() > deadline) {
      // The caller has stopped waiting: running the handler now could only do work nobody sees (or do it twice on a retry).
      const err = new DomainError(ErrorCodes.RPC_TIMEOUT, 'the caller stopped waiting before this request was picked up');
      observe(err);
      ackRpcRequest(context);
      this.logger.warn({ msg: 'rpc request past its deadline dropped', pattern: data.type, lateMs: Date.now() - deadline });
      return throwError(() => err);
    }
    const parent = contextFromHeaders(headers);
    const span = startSpan(this.options?.service ?? 'rpc', `${data.type} process`, {
      kind: SpanKind.SERVER,
      parent,
      attributes: { 'rpc.system': this.options?.transport === 'in-process' ? 'in-process' : 'rabbitmq', 'rpc.method': data.type, 'messaging.message.id': data.id, 'shop.correlation_id': data.correlationId },
    });
    let failure: unknown;
    const actor = data.token && this.authenticator ? this.authenticator.authenticate(data) : Promise.resolve(undefined);
    return from(actor).pipe(
      switchMap(
        (verified) =>
          new Observable((subscriber) =>
            withSpan(span, () => MessageContextStore.forRequest<Subscription>(data, verified, () => next.handle().subscribe(subscriber), this.options?.service), parent),
          ),
      ),
      tap({ complete: () => observe(), error: (err: unknown) => {
        failure = err;
        observe(err);
      } }),
      finalize(() => {
        ackRpcRequest(context);
        endSpan(span, failure);
        // Logged in the request's context, so the line carries its correlation and trace ids.
        MessageContextStore.forRequest(data, undefined, () =>
          withSpan(span, () => this.logger.debug({ msg: 'rpc handled', pattern: data.type, durationMs: Math.round((performance.now() - started) * 10) / 10, outcome: failure ? 'error' : 'ok', ...(failure instanceof DomainError ? { code: failure.code } : {}) }), parent),
          this.options?.service,
        );
      }),
    );
  }
}
