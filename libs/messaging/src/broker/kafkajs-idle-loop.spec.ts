import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { stopKafkajsIdleTimerLoop } from './kafkajs-idle-loop.js';

interface Queue {
  pending: Array<{ send(): void; expectResponse: boolean; correlationId: number }>;
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
}
const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as new (options: object) => Queue;
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const queue = () => new RequestQueue({ maxInFlightRequests: null, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: '127.0.0.1:9092', logger: silent });

describe("kafkajs' idle timer loop", () => {
  stopKafkajsIdleTimerLoop();

  it('applies to the kafkajs installed (its version is the one the change was written against)', () => {
    expect(stopKafkajsIdleTimerLoop()).toBe(true);
  });

  it('arms no timer on a request queue with nothing pending and no throttle (kafkajs 2.2.4 re-arms one every millisecond)', async () => {
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
    await sleep(20);
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });

  it('still sends a request held back by a throttle once the throttle is over, and then goes quiet', async () => {
    const q = queue();
    const send = vi.fn();
    q.throttledUntil = Date.now() + 50;
    q.pending.push({ send, expectResponse: true, correlationId: 1 });
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    await sleep(20);
    expect(send).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(1), { timeout: 2_000, interval: 10 });
    expect(q.pending).toHaveLength(0);
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });
});
