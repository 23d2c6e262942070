import { type ExecutionContext, Inject, Injectable, type OnApplicationShutdown, Optional, SetMetadata } from '@nestjs/common';
import { envInt } from '@shop/contracts';
import { ThrottlerException, ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import type { Actor } from '@shop/contracts';
import { METRICS_REGISTRY, counterIn } from '@shop/messaging';
import type { Registry } from 'prom-client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

const AUTH_LIMITED = 'shop:rate-limit:auth';
const LOGIN_LIMITED = 'shop:rate-limit:login';

/** Register and login: limited per client IP. */
export const AuthRateLimited = () => SetMetadata(AUTH_LIMITED, true);
/** Login: limited per account (e-mail) as well, against password guessing spread over IPs. */
export const LoginRateLimited = () => SetMetadata(LOGIN_LIMITED, true);

const marked = (key: string) => (ctx: ExecutionContext) => Reflect.getMetadata(key, ctx.getHandler()) !== true;

type Req = FastifyRequest & { actor?: Actor; body?: { email?: unknown } };

export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

/** RATE_LIMIT_REDIS_URL shares the counters among gateway replicas; without it they are in memory. */
export function rateLimitStorageFromEnv(env: NodeJS.ProcessEnv): ThrottlerStorage & OnApplicationShutdown {
  const url = env['RATE_LIMIT_REDIS_URL'];
  // Counted per namespace: several deployments or test runs may share one Redis.
  return url ? new RedisThrottlerStorage(url, `${env['SHOP_NAMESPACE'] || 'shop'}:throttle:`) : new MemoryThrottlerStorage();
}

/**
 * The gateway's limits, from configuration. Given a function, the limits are
 * read on every request: a refreshed configuration applies at once, with no
 * restart (the values are checked now, so a bad one still fails the boot).
 */
export function rateLimitsFromEnv(source: NodeJS.ProcessEnv | (() => NodeJS.ProcessEnv), storage: ThrottlerStorage): ThrottlerModuleOptions {
  const current = typeof source === 'function' ? source : () => source;
  const setting = (read: (env: NodeJS.ProcessEnv) => number) => {
    read(current());
    return () => read(current());
  };
  return {
    storage,
    throttlers: [
      {
        // Every route: per signed-in user, else per IP.
        name: 'general',
        ttl: setting((env) => envInt(env, 'RATE_LIMIT_TTL_MS', 60_000)),
        limit: setting((env) => envInt(env, 'RATE_LIMIT_PER_USER', 600)),
        getTracker: (req: Record<string, unknown>) => {
          const r = req as unknown as Req;
          return r.actor?.kind === 'user' ? `user:${r.actor.userId}` : `ip:${r.ip}`;
        },
      },
      {
        name: 'auth-ip',
        ttl: setting((env) => envInt(env, 'RATE_LIMIT_AUTH_TTL_MS', 60_000)),
        limit: setting((env) => envInt(env, 'RATE_LIMIT_AUTH_PER_IP', 20)),
        skipIf: marked(AUTH_LIMITED),
        getTracker: (req: Record<string, unknown>) => `ip:${(req as unknown as Req).ip}`,
      },
      {
        name: 'login-account',
        ttl: setting((env) => envInt(env, 'RATE_LIMIT_AUTH_TTL_MS', 60_000)),
        limit: setting((env) => envInt(env, 'RATE_LIMIT_LOGIN_PER_ACCOUNT', 10)),
        skipIf: marked(LOGIN_LIMITED),
        getTracker: (req: Record<string, unknown>) => {
          const email = (req as unknown as Req).body?.email;
          return `account:${typeof email === 'string' ? email.trim().toLowerCase() : ''}`;
        },
      },
    ],
  };
}

/** Answers 429 problem+json with Retry-After (seconds) when a limit is hit. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  @Optional() @Inject(METRICS_REGISTRY) private readonly registry?: Registry;

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    // The user service counts the other login outcomes; these never reach it.
    if (this.registry && Reflect.getMetadata(LOGIN_LIMITED, context.getHandler()) === true) {
      counterIn(this.registry, 'shop_logins_total', 'Login attempts by outcome (success, invalid_credentials, disabled, rate_limited).', ['outcome']).inc({ outcome: 'rate_limited' });
    }
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    void reply.header('retry-after', String(Math.max(1, Math.ceil(detail.timeToBlockExpire))));
    throw new ThrottlerException('too many requests: slow down and retry later');
  }
}
