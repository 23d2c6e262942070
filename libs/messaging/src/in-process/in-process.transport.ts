import { BaseRpcContext, ClientProxy, type CustomTransportStrategy, type ReadPacket, Server, type WritePacket } from '@nestjs/microservices';
import type { Envelope } from '@shop/contracts';
import { type Observable, defer, lastValueFrom } from 'rxjs';
import type { RpcChannel } from '../rpc/rpc-channel.js';
import type { EventRecord, InProcessBroker } from './in-process.broker.js';

/** The context handlers see for an in-process message: [pattern, headers]. */
export class InProcessContext extends BaseRpcContext<[string, Record<string, string>]> {
  getPattern(): string {
    return this.args[0];
  }
  getHeaders(): Record<string, string> {
    return this.args[1];
  }
}

/**
 * A Nest transport strategy over the in-process broker. It serves the service's
 * RPC queue and consumes the topics of its event handlers in the service's
 * consumer group: the same handlers the RabbitMQ and Kafka servers would call.
 */
export class InProcessServer extends Server implements CustomTransportStrategy {
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly broker: InProcessBroker,
    private readonly queue: string,
    private readonly group: string,
  ) {
    super();
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    const handlers = [...this.getHandlers().entries()];
    if (handlers.some(([, h]) => !h.isEventHandler)) {
      this.unsubscribe.push(this.broker.consumeRpc(this.queue, (pattern, data, headers) => this.handleRequest$(pattern, data, headers)));
    }
    for (const [topic, handler] of handlers) {
      if (!handler.isEventHandler) continue;
      this.unsubscribe.push(this.broker.subscribe(topic, this.group, (record) => this.handleRecord(record)));
    }
    callback();
  }

  private async handleRequest$(pattern: string, data: unknown, headers: Record<string, string>): Promise<unknown> {
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) throw new Error(`There is no matching message handler defined for "${pattern}"`);
    const result = this.transformToObservable(await handler(data, new InProcessContext([pattern, headers])));
    return lastValueFrom(result, { defaultValue: undefined });
  }

  private async handleRecord(record: EventRecord): Promise<void> {
    const handler = this.getHandlerByPattern(record.topic);
    if (!handler) return;
    const result = this.transformToObservable(await handler(record.value, new InProcessContext([record.topic, record.headers])));
    await lastValueFrom(result, { defaultValue: undefined });
  }

  on(): never {
    throw new Error('The in-process transport emits no events');
  }

  unwrap<T>(): T {
    return this.broker as T;
  }

  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }
}

/** A Nest client proxy that sends requests to a queue of the in-process broker. */
export class InProcessClient extends ClientProxy {
  constructor(
    private readonly broker: InProcessBroker,
    private readonly queue: string,
  ) {
    super();
  }

  // Nothing to connect or close: the broker lives in this process.
  async connect(): Promise<void> {
    return undefined;
  }
  async close(): Promise<void> {
    return undefined;
  }

  unwrap<T>(): T {
    return this.broker as T;
  }

  /** Sends with a time-to-live, like a RabbitMQ message with an expiration. */
  sendWithTtl(pattern: string, data: unknown, ttlMs: number, headers: Record<string, string> = {}): Observable<unknown> {
    return defer(() => this.broker.request(this.queue, pattern, data, ttlMs, headers));
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    this.broker.request(this.queue, String(packet.pattern), packet.data, Number.MAX_SAFE_INTEGER).then(
      (response) => callback({ response, isDisposed: true }),
      (err: unknown) => callback({ err, isDisposed: true }),
    );
    return () => undefined;
  }

  protected dispatchEvent<T>(): Promise<T> {
    throw new Error('Events go through the outbox, not through an RPC client');
  }
}

export class InProcessRpcChannel implements RpcChannel {
  private readonly client: InProcessClient;

  constructor(broker: InProcessBroker, queue: string) {
    this.client = new InProcessClient(broker, queue);
  }

  request(pattern: string, envelope: Envelope, timeoutMs: number, headers: Record<string, string> = {}): Observable<unknown> {
    return this.client.sendWithTtl(pattern, envelope, timeoutMs, headers);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
