import { hasPlaceholder } from './placeholders.js';
import type { Properties, Scalar } from './properties.js';

export type KeySpec =
  | { type: 'int'; min?: number; max?: number; refreshable?: boolean; doc: string }
  | { type: 'bool'; refreshable?: boolean; doc: string }
  | { type: 'enum'; values: readonly string[]; refreshable?: boolean; doc: string }
  | { type: 'string'; pattern?: RegExp; refreshable?: boolean; doc: string };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;

/**
 * The keys the platform knows: their type and whether a running app applies a
 * change live (`refreshable`) or needs a restart. The config server refuses a
 * file whose known keys fail this schema; each app checks it again after
 * resolving placeholders. Unknown keys are served as they are (an app may read
 * its own), and are not refreshable.
 */
export const CONFIG_SCHEMA: Record<string, KeySpec> = {
  'log.level': { type: 'enum', values: LOG_LEVELS, refreshable: true, doc: 'lowest level logged' },
  'log.format': { type: 'enum', values: ['json', 'pretty'], doc: 'log line format' },
  'rate-limit.ttl-ms': { type: 'int', min: 1, refreshable: true, doc: 'window of the general per-user/per-IP limit' },
  'rate-limit.per-user': { type: 'int', min: 1, refreshable: true, doc: 'requests per window per user (or IP)' },
  'rate-limit.auth.ttl-ms': { type: 'int', min: 1, refreshable: true, doc: 'window of the sign-up/sign-in limits' },
  'rate-limit.auth.per-ip': { type: 'int', min: 1, refreshable: true, doc: 'register/login/refresh calls per window per IP' },
  'rate-limit.login.per-account': { type: 'int', min: 1, refreshable: true, doc: 'login attempts per window per account' },
  'rate-limit.redis-url': { type: 'string', doc: 'shared rate-limit counters (unset: in memory)' },
  'features.registration-open': { type: 'bool', refreshable: true, doc: 'feature flag: new accounts may sign up' },
  'catalog.cache-ttl-ms': { type: 'int', min: 0, refreshable: true, doc: 'how long the gateway serves a public product or catalog page from memory (0: never)' },
  'order.payment-window-ms': { type: 'int', min: 1_000, refreshable: true, doc: 'time a confirmed order waits for its payment' },
  'discovery.urls': { type: 'string', doc: 'discovery replicas, comma-separated' },
  'discovery.ttl-ms': { type: 'int', min: 200, refreshable: true, doc: 'an instance missing heartbeats this long is evicted' },
  'discovery.health-interval-ms': { type: 'int', min: 100, refreshable: true, doc: 'how often discovery checks each instance health URL' },
  'discovery.heartbeat-ms': { type: 'int', min: 50, doc: 'how often an app heartbeats' },
  'discovery.fetch-ms': { type: 'int', min: 50, doc: 'how often an app refreshes its copy of the registry' },
  'rpc.timeout-ms': { type: 'int', min: 1, doc: 'every RPC call fails after this long' },
  'rpc.prefetch': { type: 'int', min: 1, doc: 'unacknowledged RPC requests per consumer' },
  'event.max-attempts': { type: 'int', min: 1, doc: 'event handler attempts before the dead-letter topic' },
  'event.retry-delay-ms': { type: 'int', min: 0, doc: 'first retry delay of an event handler' },
  'job.max-attempts': { type: 'int', min: 1, doc: 'job attempts before the dead-letter queue' },
  'job.retry-delay-ms': { type: 'int', min: 0, doc: 'first retry delay of a job' },
  'job.prefetch': { type: 'int', min: 1, doc: 'unacknowledged jobs per consumer' },
  'outbox.poll-ms': { type: 'int', min: 1, doc: 'outbox relay poll interval' },
  'cors.origins': { type: 'string', doc: 'origins allowed by CORS at the gateway, comma-separated' },
  'seed.demo-products': { type: 'int', min: 0, doc: 'demo products seeded at start' },
  'auth.access-ttl-seconds': { type: 'int', min: 1, doc: 'access token lifetime' },
  'auth.refresh-ttl-seconds': { type: 'int', min: 1, doc: 'refresh token lifetime' },
};

export function isRefreshable(key: string): boolean {
  return CONFIG_SCHEMA[key]?.refreshable === true;
}

/** Checks one value against its key's spec; returns the value in its type, or an error message. */
export function checkValue(key: string, value: Scalar): { value: Scalar } | { error: string } {
  const spec = CONFIG_SCHEMA[key];
  if (!spec) return { value };
  switch (spec.type) {
    case 'int': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
      if (!Number.isInteger(n)) return { error: `${key} must be an integer, got ${JSON.stringify(value)}` };
      if (spec.min !== undefined && n < spec.min) return { error: `${key} must be at least ${spec.min}, got ${n}` };
      if (spec.max !== undefined && n > spec.max) return { error: `${key} must be at most ${spec.max}, got ${n}` };
      return { value: n };
    }
    case 'bool': {
      if (typeof value === 'boolean') return { value };
      if (value === 'true' || value === 'false') return { value: value === 'true' };
      return { error: `${key} must be true or false, got ${JSON.stringify(value)}` };
    }
    case 'enum':
      return spec.values.includes(String(value)) ? { value: String(value) } : { error: `${key} must be one of ${spec.values.join(', ')}, got ${JSON.stringify(value)}` };
    case 'string':
      if (typeof value !== 'string') return { value: String(value) };
      return spec.pattern && !spec.pattern.test(value) ? { error: `${key} does not match ${spec.pattern}` } : { value };
  }
}

/**
 * The schema errors of a set of properties. `placeholders: 'allow'` (the
 * server) skips values that hold a placeholder, which only the app can
 * resolve; the app validates them after resolving.
 */
export function validateProperties(props: Properties, options: { placeholders: 'allow' | 'resolved' }): string[] {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(props)) {
    if (options.placeholders === 'allow' && hasPlaceholder(value)) continue;
    const r = checkValue(key, value);
    if ('error' in r) errors.push(r.error);
  }
  return errors;
}
