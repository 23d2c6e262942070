import pRetry from 'p-retry';
import { driverErrorCode } from './database.options.js';

/** `true` when the database gave up a transaction to break a lock cycle (InnoDB) or found it busy (SQLite); it is safe to run again. */
export function isDeadlockError(err: unknown): boolean {
  const code = driverErrorCode(err);
  return code === 'ER_LOCK_DEADLOCK' || code === 'SQLITE_BUSY';
}

/**
 * Runs a whole transaction again when it lost a deadlock (InnoDB rolls the
 * loser back entirely, and asks the application to retry) or failed on
 * another error `retryOn` names, a few times with short jittered pauses.
 * `run` must start its own transaction: a retry starts from scratch.
 */
export function retryTransaction<T>(run: () => Promise<T>, retryOn: (err: unknown) => boolean = isDeadlockError, attempts = 5): Promise<T> {
  return pRetry(run, { retries: attempts - 1, minTimeout: 5, maxTimeout: 100, randomize: true, shouldRetry: ({ error }) => retryOn(error) });
}
