import { Inject, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Actor, Envelope, JsonWebKeySet } from '@shop/contracts';
import { RpcClient, type RpcAuthenticator, type RpcCredentials, MESSAGING_OPTIONS, type MessagingOptions } from '@shop/messaging';
import { AUTH_OPTIONS, type AuthOptions } from './auth.options.js';
import { JwksSource, TokenVerifier } from './token-verifier.js';

/** The user service's public keys, asked for by RPC (`user.jwks`, a public call). */
@Injectable()
export class RpcJwksSource extends JwksSource {
  constructor(private readonly rpc: RpcClient) {
    super();
  }

  fetch(): Promise<JsonWebKeySet> {
    return this.rpc.send('user.jwks', {}, { token: null });
  }
}

/** Builds the actor of an RPC request from its token, never from what it claims. */
@Injectable()
export class TokenRpcAuthenticator implements RpcAuthenticator {
  constructor(private readonly verifier: TokenVerifier) {}

  async authenticate(envelope: Envelope): Promise<Actor | undefined> {
    return envelope.token ? (await this.verifier.verify(envelope.token)).actor : undefined;
  }
}

/**
 * This service's own identity for calls it makes on its own behalf: client
 * credentials (SERVICE_SECRET) exchanged for a short-lived service token,
 * renewed before it expires.
 */
@Injectable()
export class ServiceCredentials implements RpcCredentials {
  private readonly logger = new Logger('ServiceCredentials');
  private cached?: { token: string; renewAt: number };
  private inflight?: Promise<string | undefined>;

  constructor(
    @Inject(AUTH_OPTIONS) private readonly auth: AuthOptions,
    @Inject(MESSAGING_OPTIONS) private readonly messaging: MessagingOptions,
    // Resolved on first use: the RPC client itself asks these credentials for a token.
    private readonly moduleRef: ModuleRef,
  ) {}

  async token(): Promise<string | undefined> {
    if (!this.auth.serviceSecret) return undefined;
    if (this.cached && Date.now() < this.cached.renewAt) return this.cached.token;
    this.inflight ??= this.moduleRef
      .get(RpcClient, { strict: false })
      .send('user.serviceToken', { service: this.messaging.service, secret: this.auth.serviceSecret }, { token: null })
      .then(
        ({ accessToken, expiresIn }) => {
          this.cached = { token: accessToken, renewAt: Date.now() + Math.max(1, expiresIn - 30) * 1000 };
          return accessToken;
        },
        (err: unknown) => {
          this.logger.warn({ msg: 'could not obtain a service token; calling without one', err: err instanceof Error ? err.message : String(err) });
          return undefined;
        },
      )
      .finally(() => (this.inflight = undefined));
    return this.inflight;
  }
}
