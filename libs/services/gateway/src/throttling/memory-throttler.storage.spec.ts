import { MemoryThrottlerStorage } from './memory-throttler.storage.js';

describe('MemoryThrottlerStorage (fixed window per key, as the Redis store counts)', () => {
  let now = 1_000_000;
  let storage: MemoryThrottlerStorage;
  beforeEach(() => {
    now = 1_000_000;
    storage = new MemoryThrottlerStorage(60_000, () => now);
  });
  afterEach(() => storage.onApplicationShutdown());

  it('lets `limit` hits through in a window, blocks the next for blockDuration, then opens a new window', async () => {
    for (let i = 1; i <= 3; i++) expect(await storage.increment('ip:1', 10_000, 3, 20_000, 'general')).toEqual({ totalHits: i, timeToExpire: 10, isBlocked: false, timeToBlockExpire: 0 });
    now += 4_000;
    expect(await storage.increment('ip:1', 10_000, 3, 20_000, 'general')).toEqual({ totalHits: 4, timeToExpire: 6, isBlocked: true, timeToBlockExpire: 20 });
    now += 7_000; // the window is over, the block is not
    expect(await storage.increment('ip:1', 10_000, 3, 20_000, 'general')).toMatchObject({ totalHits: 1, isBlocked: true, timeToBlockExpire: 13 });
    now += 13_000;
    expect(await storage.increment('ip:1', 10_000, 3, 20_000, 'general')).toEqual({ totalHits: 1, timeToExpire: 10, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('counts each key and each throttler apart', async () => {
    await storage.increment('ip:1', 10_000, 1, 10_000, 'general');
    expect(await storage.increment('ip:2', 10_000, 1, 10_000, 'general')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await storage.increment('ip:1', 10_000, 1, 10_000, 'auth-ip')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await storage.increment('ip:1', 10_000, 1, 10_000, 'general')).toMatchObject({ totalHits: 2, isBlocked: true });
  });

  it('forgets keys whose window and block are over, so idle clients hold no memory', async () => {
    for (let i = 0; i < 100; i++) await storage.increment(`ip:${i}`, 10_000, 5, 10_000, 'general');
    await storage.increment('ip:blocked', 10_000, 0, 60_000, 'general');
    expect(storage.size).toBe(101);
    now += 10_000;
    storage.sweep();
    expect(storage.size).toBe(1);
    now += 50_000;
    storage.sweep();
    expect(storage.size).toBe(0);
  });
});
