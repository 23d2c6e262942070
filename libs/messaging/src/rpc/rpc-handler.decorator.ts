import { MessagePattern, Transport } from '@nestjs/microservices';
import { UseFilters, UseInterceptors, applyDecorators } from '@nestjs/common';
import type { Actor, Envelope, RpcPattern, RpcRequest, RpcResponse } from '@shop/contracts';
import { MessageContextStore } from '../context.js';
import { RpcServerInterceptor } from './rpc-server.interceptor.js';
import { RpcErrorFilter } from './rpc-error.filter.js';

/** What an RPC handler may know about its call besides the request. */
export interface RpcCall {
  envelope: Envelope;
  /** The caller as verified from its token; undefined for an anonymous request. */
  actor?: Actor;
  correlationId: string;
}

type RpcMethod<P extends RpcPattern> = (request: RpcRequest<P>, call: RpcCall) => RpcResponse<P> | Promise<RpcResponse<P>>;

/**
 * Answers an RPC pattern. The method receives the request payload (not the
 * envelope) and is type-checked against the RpcMap: a wrong pattern name or
 * payload shape fails `tsc`. Transport concerns (envelope check, correlation
 * context, manual ack, coded errors) are applied here, once.
 */
export function RpcHandler<P extends RpcPattern>(pattern: P) {
  return <M extends RpcMethod<P>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>): void => {
    const original = descriptor.value as unknown as RpcMethod<P>;
    const adapter = function (this: unknown, envelope: Envelope<RpcRequest<P>>) {
      return original.call(this, envelope.payload, { envelope, actor: MessageContextStore.current()?.actor, correlationId: envelope.correlationId });
    };
    Object.defineProperty(adapter, 'name', { value: original.name });
    descriptor.value = adapter as unknown as M;
    applyDecorators(MessagePattern(pattern, Transport.RMQ), UseInterceptors(RpcServerInterceptor), UseFilters(RpcErrorFilter))(target, key, descriptor);
  };
}
