/**
 * Field names whose values never reach a log line, at any depth and in any
 * case: credentials, tokens, secrets and password hashes (`password`,
 * `newPassword`, `passwordHash`, `token`, `accessToken`, `refreshToken`,
 * `secret`, `clientSecret`, `authorization`, `cookie`...).
 */
const SECRET_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|.*password.*|.*passwd.*|.*token|.*secret|.*credentials?|private[-_]?key)$/i;

/** Bearer credentials and JWTs inside free text (an error message quoting a header, a URL). */
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

export const REDACTED = '[REDACTED]';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Blanks bearer credentials and JWTs in a string. */
export function redactText(text: string): string {
  if (!text.includes('Bearer') && !text.includes('Basic') && !text.includes('eyJ')) return text;
  return text.replace(BEARER, `$1 ${REDACTED}`).replace(JWT, REDACTED);
}

/**
 * A copy of `value` with every secret field replaced, at any depth (objects,
 * arrays, Maps' plain forms), and bearer tokens blanked in strings. Errors
 * become `{ type, message, stack }`; cycles and very deep nesting are cut.
 */
export function redact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 12) return '[Truncated]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) {
    return { type: value.name, message: redactText(value.message), ...(value.stack ? { stack: redactText(value.stack) } : {}) };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, seen));
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null ? REDACTED : redact(v, depth + 1, seen);
  }
  return out;
}
