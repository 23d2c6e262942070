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
    const channel = this.channel(namespaced(this.options, rpcQueue(target)));
    try {
      const reply: unknown = await firstValueFrom(channel.request(pattern, envelope, timeoutMs).pipe(timeout<unknown>(timeoutMs)));
      return reply as RpcResponse<P>;
    } catch (err) {
      throw this.toDomainError(err, pattern, timeoutMs, envelope.correlationId);
    }
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
