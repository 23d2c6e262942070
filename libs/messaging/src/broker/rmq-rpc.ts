import { ClientRMQ, type OutgoingResponse, RmqRecord, ServerRMQ } from '@nestjs/microservices';
import { type Envelope, MessageHeaders, rpcQueue } from '@shop/contracts';
import { defer, type Observable } from 'rxjs';
import { type MessagingOptions, namespaced } from '../options.js';
import type { RpcChannel } from '../rpc/rpc-channel.js';

// Without TCP_NODELAY every sequential RPC waits ~40 ms (Nagle meeting delayed
// ACKs); the option only takes effect inside connectionOptions.
const socketOptions = { connectionOptions: { noDelay: true } };

export function envelopeHeaders(envelope: Envelope): Record<string, string> {
  return {
    [MessageHeaders.correlationId]: envelope.correlationId,
    [MessageHeaders.messageId]: envelope.id,
    [MessageHeaders.messageType]: envelope.type,
    ...(envelope.causationId ? { [MessageHeaders.causationId]: envelope.causationId } : {}),
    ...(envelope.actor ? { [MessageHeaders.actor]: JSON.stringify(envelope.actor) } : {}),
  };
}

/**
 * Nest's ServerRMQ publishes each reply on a confirm channel and drops the
 * promise: a reply still unconfirmed when the server closes rejects with
 * "Channel closed", unhandled, which killed a service shutting down right
 * after answering (before its other shutdown hooks ran). Same reply, handled.
 */
class RpcServerRMQ extends ServerRMQ {
  override sendMessage<T>(message: T, replyTo: string, correlationId: string): void {
    const { options, ...packet } = this.serializer.serialize(message as OutgoingResponse) as { options?: Record<string, unknown> };
    const channel = this.channel as { sendToQueue(queue: string, content: Buffer, options: Record<string, unknown>): Promise<unknown> };
    channel.sendToQueue(replyTo, Buffer.from(JSON.stringify(packet)), { correlationId, ...options }).catch((err: unknown) => {
      this.logger.warn?.(`RPC reply ${correlationId} not confirmed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }
}

/**
 * The RPC server of one service on RabbitMQ: a durable queue `<service>.rpc`
 * shared by every instance (competing consumers), manual acknowledgement after
 * the handler finishes, and a bounded prefetch.
 */
export function createRmqRpcServer(options: MessagingOptions): ServerRMQ {
  return new RpcServerRMQ({
    urls: [options.rabbitmqUrl],
    queue: namespaced(options, rpcQueue(options.service)),
    queueOptions: { durable: true },
    noAck: false,
    prefetchCount: options.rpcPrefetch,
    socketOptions,
  });
}

/** A caller's channel to one RPC queue; replies come back by direct reply-to. */
export class RmqRpcChannel implements RpcChannel {
  private readonly client: ClientRMQ;

  constructor(options: MessagingOptions, queue: string) {
    this.client = new ClientRMQ({
      urls: [options.rabbitmqUrl],
      queue,
      queueOptions: { durable: true },
      socketOptions,
    });
  }

  request(pattern: string, envelope: Envelope, timeoutMs: number, headers: Record<string, string> = {}): Observable<unknown> {
    // A request nobody picked up before the caller gave up expires in the
    // queue instead of being handled for a caller that is no longer waiting;
    // the deadline lets the server refuse one the broker still delivers (it
    // expires messages only at the queue's head, by its own clock).
    const deadline = String(Date.now() + timeoutMs);
    const record = new RmqRecord(envelope, { expiration: String(timeoutMs), headers: { ...envelopeHeaders(envelope), [MessageHeaders.deadline]: deadline, ...headers } });
    return defer(() => this.client.send(pattern, record));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
