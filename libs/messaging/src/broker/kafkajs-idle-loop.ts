import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 (its last release) re-arms a setTimeout on every broker
 * connection's request queue after each check, even when nothing is pending
 * and nothing is throttled; the delay is then negative, so each connection
 * spins a 1 ms timer for as long as it is open (tulios/kafkajs#1556, #1704;
 * the fix, PR #1667, was never merged). Measured with bench/idle.ts: the
 * idle cluster spent 202 ms of CPU per second with the loop, 172 without;
 * the gateway alone 26 and 11.
 *
 * This stops the loop where it starts: with nothing pending and no throttle
 * in force there is nothing to check later (a request pushed meanwhile is
 * sent at once or schedules its own check, and a fulfilled one checks the
 * queue again), every other case goes through kafkajs' own code. Applied to
 * exactly the version it was written against.
 */
const KAFKAJS_PATCHED_VERSION = '2.2.4';

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

export function stopKafkajsIdleTimerLoop(): boolean {
  const require = createRequire(import.meta.url);
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== KAFKAJS_PATCHED_VERSION) return false;
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueInternals & { shopIdleLoopStopped?: true } };
  if (RequestQueue.prototype.shopIdleLoopStopped) return true;
  const schedule = RequestQueue.prototype.scheduleCheckPendingRequests;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueInternals) {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    schedule.call(this);
  };
  RequestQueue.prototype.shopIdleLoopStopped = true;
  return true;
}
