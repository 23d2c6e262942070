import type { ArgumentsHost } from '@nestjs/common';
import { RmqContext } from '@nestjs/microservices';

const acked = new WeakSet<object>();

/**
 * Acknowledges an RPC request on RabbitMQ once its handler has finished
 * (answered or failed), never before: a consumer that dies mid-handler leaves
 * the request unacknowledged, so the broker redelivers it to another consumer.
 * Other transports need no acknowledgement.
 */
export function ackRpcRequest(host: ArgumentsHost): void {
  const ctx = host.switchToRpc().getContext<unknown>();
  if (!(ctx instanceof RmqContext)) return;
  const message = ctx.getMessage() as object;
  if (acked.has(message)) return;
  acked.add(message);
  const channel = ctx.getChannelRef() as { ack(message: object): void };
  channel.ack(message);
}
