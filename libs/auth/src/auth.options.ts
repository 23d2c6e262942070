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

function seconds(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive number of seconds, got "${value}"`);
  return n;
}

export function authOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): AuthOptions {
  return {
    issuer: env['AUTH_ISSUER'] ?? 'shop',
    audience: env['AUTH_AUDIENCE'] ?? 'shop-api',
    accessTtlSeconds: seconds(env['AUTH_ACCESS_TTL_SECONDS'], 15 * 60, 'AUTH_ACCESS_TTL_SECONDS'),
    refreshTtlSeconds: seconds(env['AUTH_REFRESH_TTL_SECONDS'], 14 * 24 * 3600, 'AUTH_REFRESH_TTL_SECONDS'),
    serviceTokenTtlSeconds: seconds(env['AUTH_SERVICE_TOKEN_TTL_SECONDS'], 5 * 60, 'AUTH_SERVICE_TOKEN_TTL_SECONDS'),
    clockToleranceSeconds: seconds(env['AUTH_CLOCK_TOLERANCE_SECONDS'], 5, 'AUTH_CLOCK_TOLERANCE_SECONDS'),
    serviceSecret: env['SERVICE_SECRET'] || undefined,
  };
}
