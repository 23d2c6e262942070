import { describe, expect, it, vi } from 'vitest';

// The real argon2, counted: how many run at once.
const inFlight = { now: 0, max: 0 };
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof import('@node-rs/argon2')>();
  const counted =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      inFlight.now++;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      try {
        return await fn(...args);
      } finally {
        inFlight.now--;
      }
    };
  return { ...real, hash: counted(real.hash), verify: counted(real.verify) };
});

const { PasswordHasher, hashConcurrencyFromEnv } = await import('./password-hasher.js');

describe('PasswordHasher', () => {
  it('runs at most PASSWORD_HASH_CONCURRENCY hashes at once, and every one of them', async () => {
    const hasher = new PasswordHasher({ PASSWORD_HASH_CONCURRENCY: '2' });
    const hashed = await hasher.hash('correct horse battery');
    inFlight.max = 0;
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => hasher.verify(hashed, 'correct horse battery')),
      hasher.verify(hashed, 'wrong'),
      hasher.verify(undefined, 'correct horse battery'),
    ]);
    expect(results).toEqual([true, true, true, true, true, false, false]);
    expect(inFlight.max).toBe(2);
  });

  it('reads its limit from the environment, the CPUs by default', async () => {
    const { availableParallelism } = await import('node:os');
    expect(hashConcurrencyFromEnv({})).toBe(availableParallelism());
    expect(hashConcurrencyFromEnv({ PASSWORD_HASH_CONCURRENCY: '3' })).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'two']) expect(() => hashConcurrencyFromEnv({ PASSWORD_HASH_CONCURRENCY: bad })).toThrow(/PASSWORD_HASH_CONCURRENCY/);
  });
});
