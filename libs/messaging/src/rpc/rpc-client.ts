import { Inject, Injectable, Logger, type OnApplicationShutdown, Optional } from '@nestjs/common';
import {
  type Actor,
  DomainError,
  ErrorCodes,
  type RpcPattern,
  type RpcRequest,
  type RpcResponse,
  createEnvelope,
  isRpcErrorPayload,
  rpcQueue,
  rpcTarget,
} from '@shop/contracts';
import { SpanKind, endSpan, startSpan, traceHeaders, withSpan } from '@shop/observability';
import { TimeoutError, firstValueFrom, timeout } from 'rxjs';
import { MessageContextStore } from '../context.js';
import { MessagingMetrics, OK, outcomeCode } from '../metrics.js';
import { MESSAGING_OPTIONS, type MessagingOptions, namespaced } from '../options.js';
import { RPC_CHANNEL_FACTORY, type RpcChannel, type RpcChannelFactory } from './rpc-channel.js';
import { RPC_CREDENTIALS, type RpcCredentials } from './rpc-auth.js';

export interface RpcCallOptions {
  timeoutMs?: number;
  /** Overrides the actor inherited from the message or request being handled. */
  actor?: Actor;
  /**
   * The token to send: by default the one of the request being handled, else
   * the service's own credentials; `null` sends none (public calls).
   */
  token?: string | null;
  correlationId?: string;
}

/**
 * Whether a service has a live instance, from the service registry (provided
 * by the discovery client). False only when the registry says for sure that
 * none is up; the call then fails at once with SERVICE.UNAVAILABLE instead of
 * waiting for its timeout. Without it, every call is attempted.
 */
export interface ServiceAvailability {
  isAvailable(service: string): boolean;
}
export const SERVICE_AVAILABILITY = Symbol('SERVICE_AVAILABILITY');

/**
 * Typed request/reply: `send('product.get', { idOrSlug })` resolves with a
 * ProductView or rejects with a DomainError carrying the callee's code
 * (RPC.TIMEOUT when nobody answers in time).
 */
@Injectable()
export class RpcClient implements OnApplicationShutdown {
  private readonly logger = new Logger(RpcClient.name);
  private readonly channels = new Map<string, RpcChannel>();

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    @Inject(RPC_CHANNEL_FACTORY) private readonly channelFactory: RpcChannelFactory,
    @Optional() @Inject(RPC_CREDENTIALS) private readonly credentials?: RpcCredentials,
    @Optional() @Inject(SERVICE_AVAILABILITY) private readonly availability?: ServiceAvailability,
    @Optional() @Inject(MessagingMetrics) private readonly metrics?: MessagingMetrics,
  ) {}

  /** Counted and timed by pattern and outcome code (OK, RPC.TIMEOUT, SERVICE.UNAVAILABLE or the callee's code). */
  async send<P extends RpcPattern>(pattern: P, request: RpcRequest<P>, opts: RpcCallOptions = {}): Promise<RpcResponse<P>> {
    const started = performance.now();
    let code = OK;
    try {
      return await this.call(pattern, request, opts);
    } catch (err) {
      code = outcomeCode(err);
      throw err;
    } finally {
      this.metrics?.rpcClientRequests.inc({ pattern, code });
      this.metrics?.rpcClientDuration.observe({ pattern }, (performance.now() - started) / 1000);
    }
  }

  private async call<P extends RpcPattern>(pattern: P, request: RpcRequest<P>, opts: RpcCallOptions): Promise<RpcResponse<P>> {
    const target = rpcTarget(pattern);
    if (this.availability && !this.availability.isAvailable(target)) {
      throw new DomainError(ErrorCodes.SERVICE_UNAVAILABLE, `${target} has no live instance`, { pattern, service: target });
    }
    const token = opts.token === null ? undefined : (opts.token ?? MessageContextStore.current()?.token ?? (await this.credentials?.token()));
    const envelope = createEnvelope(pattern, request, { ...MessageContextStore.origin({ actor: opts.actor, correlationId: opts.correlationId }), token });
    const timeoutMs = opts.timeoutMs ?? this.options.rpcTimeoutMs;
    const queue = namespaced(this.options, rpcQueue(target));
    const channel = this.channel(queue);
    const span = startSpan(this.options.service, `${pattern} send`, {
      kind: SpanKind.CLIENT,
      attributes: { 'rpc.system': this.rpcSystem(), 'rpc.service': target, 'rpc.method': pattern, 'messaging.destination.name': queue, 'messaging.message.id': envelope.id, 'shop.correlation_id': envelope.correlationId },
    });
    try {
      const headers = withSpan(span, () => traceHeaders());
      const reply: unknown = await firstValueFrom(channel.request(pattern, envelope, timeoutMs, headers).pipe(timeout<unknown>(timeoutMs)));
      endSpan(span);
      return reply as RpcResponse<P>;
    } catch (err) {
      const error = this.toDomainError(err, pattern, timeoutMs, envelope.correlationId);
      endSpan(span, error);
      throw error;
    }
  }

  private rpcSystem(): string {
    return this.options.transport === 'broker' ? 'rabbitmq' : 'in-process';
  }

  private channel(queue: string): RpcChannel {
    let channel = this.channels.get(queue);
    if (!channel) {
      channel = this.channelFactory(queue);
      this.channels.set(queue, channel);
    }
    return channel;
  }

  private toDomainError(err: unknown, pattern: string, timeoutMs: number, correlationId: string): DomainError {
    if (err instanceof DomainError) return err;
    if (err instanceof TimeoutError) {
      return new DomainError(ErrorCodes.RPC_TIMEOUT, `${pattern} did not answer within ${timeoutMs} ms`, { pattern, correlationId });
    }
    if (isRpcErrorPayload(err)) return DomainError.fromPayload(err);
    this.logger.error({ msg: 'RPC transport failure', pattern, correlationId, err: err instanceof Error ? err.message : err });
    return new DomainError(ErrorCodes.SERVICE_UNAVAILABLE, `${pattern} could not be delivered`, { pattern, correlationId });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.channels.values()].map((c) => c.close()));
    this.channels.clear();
  }
}
