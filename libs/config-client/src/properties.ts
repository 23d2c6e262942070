import { createHash } from 'node:crypto';

/** A configuration value: YAML scalars, and lists of scalars kept as comma-separated strings. */
export type Scalar = string | number | boolean;
/** Flat properties: dotted keys (`rate-limit.login.per-account`) to scalars. */
export type Properties = Record<string, Scalar>;

const KEY_SEGMENT = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Flattens a parsed YAML document into dotted keys, Spring-style: nested maps
 * join their keys with dots, lists of scalars become comma-separated strings.
 * Refuses what cannot be configuration: null values (an empty `key:` is a
 * mistake more often than an intent), lists of maps, keys that are not
 * lower-case kebab segments.
 */
export function flatten(doc: unknown, where = 'document'): Properties {
  const out: Properties = {};
  if (doc === null || doc === undefined) return out;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${where}: the top level must be a mapping of keys to values`);
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [rawKey, value] of Object.entries(node)) {
      // A dotted key (`rate-limit.per-user: 5`) is the same as the nested form.
      const segments = rawKey.split('.');
      for (const s of segments) {
        if (!KEY_SEGMENT.test(s)) throw new Error(`${where}: key "${prefix}${rawKey}" is not lower-case kebab-case (a-z, 0-9, -)`);
      }
      const key = `${prefix}${rawKey}`;
      if (value === null || value === undefined) throw new Error(`${where}: key "${key}" has no value (remove it, or quote an empty string: "")`);
      if (Array.isArray(value)) {
        if (!value.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) throw new Error(`${where}: key "${key}" must be a list of plain values`);
        out[key] = value.map(String).join(',');
      } else if (typeof value === 'object') {
        if (value instanceof Date) out[key] = value.toISOString();
        else walk(value as Record<string, unknown>, `${key}.`);
      } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${where}: key "${key}" is not a finite number`);
        out[key] = value;
      } else {
        throw new Error(`${where}: key "${key}" has an unsupported value`);
      }
    }
  };
  walk(doc as Record<string, unknown>, '');
  return out;
}

/**
 * The environment variable of a key, by Spring's relaxed binding: upper case,
 * dots and dashes as underscores (`rate-limit.login.per-account` is
 * `RATE_LIMIT_LOGIN_PER_ACCOUNT`, `log.level` is `LOG_LEVEL`).
 */
export function envNameOf(key: string): string {
  return key.toUpperCase().replace(/[.-]/g, '_');
}

/** Properties as environment variables (what the apps' settings code reads). */
export function toEnv(props: Properties): Record<string, string> {
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [envNameOf(k), String(v)]));
}

/** Sorted keys, so equal properties always serialize (and hash) the same. */
export function canonical(props: Properties): string {
  return JSON.stringify(Object.fromEntries(Object.keys(props).sort().map((k) => [k, props[k]])));
}

/** The version of a set of properties: a content hash. */
export function versionOf(props: Properties): string {
  return createHash('sha256').update(canonical(props)).digest('hex').slice(0, 16);
}

/** Keys whose values differ between two property sets (added, removed or changed). */
export function changedKeys(before: Properties, after: Properties): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]).sort();
}
