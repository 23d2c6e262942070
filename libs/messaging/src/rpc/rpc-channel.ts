import type { Envelope } from '@shop/contracts';
import type { Observable } from 'rxjs';

/** One service's RPC queue as seen by a caller, over whichever transport. */
export interface RpcChannel {
  /** `headers` travel beside the envelope (the W3C trace context). */
  request(pattern: string, envelope: Envelope, timeoutMs: number, headers?: Record<string, string>): Observable<unknown>;
  close(): Promise<void>;
}

export type RpcChannelFactory = (queue: string) => RpcChannel;
export const RPC_CHANNEL_FACTORY = Symbol('RPC_CHANNEL_FACTORY');
