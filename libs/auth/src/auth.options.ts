import { envInt } from '@shop/contracts';

/** Token settings shared by the issuer (user service) and every verifier. */
export interface AuthOptions {
  issuer: string;
  audience: string;
  /** Lifetime of access tokens; a disabled account's tokens die within it. */
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  serviceTokenTtlSeconds: number;
  clockToleranceSeconds: number;
  /** This service's client secret, exchanged for a service token (unset: no service identity). */
  serviceSecret?: string;
}

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

export function authOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): AuthOptions {
  return {
    issuer: env['AUTH_ISSUER'] ?? 'shop',
    audience: env['AUTH_AUDIENCE'] ?? 'shop-api',
    accessTtlSeconds: envInt(env, 'AUTH_ACCESS_TTL_SECONDS', 15 * 60),
    refreshTtlSeconds: envInt(env, 'AUTH_REFRESH_TTL_SECONDS', 14 * 24 * 3600),
    serviceTokenTtlSeconds: envInt(env, 'AUTH_SERVICE_TOKEN_TTL_SECONDS', 5 * 60),
    clockToleranceSeconds: envInt(env, 'AUTH_CLOCK_TOLERANCE_SECONDS', 5),
    serviceSecret: env['SERVICE_SECRET'] || undefined,
  };
}
