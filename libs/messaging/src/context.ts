import { AsyncLocalStorage } from 'node:async_hooks';
import type { Actor, Envelope, EnvelopeOrigin } from '@shop/contracts';

/** What a handler knows about the message it is handling. */
export interface MessageContext {
  correlationId: string;
  /** Id of the message being handled: the causation of what it sends. */
  messageId?: string;
  actor?: Actor;
  /** The caller's access token, forwarded on RPC requests sent while handling this one. */
  token?: string;
  /** The service handling the message (log lines name it, also when several services share a process). */
  service?: string;
}

const storage = new AsyncLocalStorage<MessageContext>();

/**
 * Carries the correlation id and the actor from an incoming message (or HTTP
 * request) to every message sent while handling it, without threading them
 * through every call.
 */
export const MessageContextStore = {
  run<T>(ctx: MessageContext, fn: () => T): T {
    return storage.run(ctx, fn);
  },
  fromEnvelope<T>(envelope: Envelope, fn: () => T, service?: string): T {
    return storage.run({ correlationId: envelope.correlationId, messageId: envelope.id, actor: envelope.actor, service }, fn);
  },
  /** Runs a handler of an RPC request with the actor verified from its token (never the actor the request claims). */
  forRequest<T>(envelope: Envelope, actor: Actor | undefined, fn: () => T, service?: string): T {
    return storage.run({ correlationId: envelope.correlationId, messageId: envelope.id, actor, token: envelope.token, service }, fn);
  },
  current(): MessageContext | undefined {
    return storage.getStore();
  },
  /** The origin fields of a message sent now. */
  origin(overrides: EnvelopeOrigin = {}): EnvelopeOrigin {
    const ctx = storage.getStore();
    return {
      correlationId: overrides.correlationId ?? ctx?.correlationId,
      causationId: overrides.causationId ?? ctx?.messageId,
      actor: overrides.actor ?? ctx?.actor,
    };
  },
};
