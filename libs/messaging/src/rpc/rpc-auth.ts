import type { Actor, Envelope } from '@shop/contracts';

/**
 * Verifies the token an RPC request carries and says who sent it. Provided by
 * the auth library; without it, requests are handled as anonymous.
 */
export interface RpcAuthenticator {
  authenticate(envelope: Envelope): Promise<Actor | undefined>;
}
export const RPC_AUTHENTICATOR = Symbol('RPC_AUTHENTICATOR');

/**
 * The token a service sends when it calls another service on its own behalf
 * (no user request being handled): its short-lived service token.
 */
export interface RpcCredentials {
  token(): Promise<string | undefined>;
}
export const RPC_CREDENTIALS = Symbol('RPC_CREDENTIALS');
