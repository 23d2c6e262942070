import { Inject, Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { APP_ENV } from '@shop/platform';
import { availableParallelism } from 'node:os';
import pLimit, { type LimitFunction } from 'p-limit';

/** argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane). */
// 2 is Algorithm.Argon2id (a const enum, which isolated modules cannot read).
const PARAMS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** PASSWORD_HASH_CONCURRENCY, default the CPUs this process may use. */
export function hashConcurrencyFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env['PASSWORD_HASH_CONCURRENCY'];
  if (raw === undefined || raw === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`PASSWORD_HASH_CONCURRENCY must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * Hashes and verifies with argon2id, at most `PASSWORD_HASH_CONCURRENCY` at
 * once (the rest wait their turn). Each one is 19 MiB of memory-bound work on
 * the libuv pool (4 threads): more of them than CPUs only switches between
 * them and evicts everything else from the caches (bench: logins/s 91 -> 101
 * with 2 at once instead of 4 on 2 CPUs).
 */
@Injectable()
export class PasswordHasher {
  private readonly limit: LimitFunction;
  /** Verified against when the e-mail is unknown, so both cases take as long. */
  private dummy?: Promise<string>;

  constructor(@Inject(APP_ENV) env: NodeJS.ProcessEnv) {
    this.limit = pLimit(hashConcurrencyFromEnv(env));
  }

  hash(password: string): Promise<string> {
    return this.limit(() => hash(password, PARAMS));
  }

  async verify(hashed: string | undefined, password: string): Promise<boolean> {
    this.dummy ??= this.hash('not the password of anyone');
    const target = hashed ?? (await this.dummy);
    try {
      const ok = await this.limit(() => verify(target, password));
      return ok && hashed !== undefined;
    } catch {
      return false;
    }
  }
}
