/**
 * Reads an integer setting from the environment: the fallback when unset or
 * empty, otherwise a whole number of at least `min`, or boot fails naming the
 * variable and the bad value.
 */
export function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}
