import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { RateLimiter } from './rate-limit.ts';

describe('RateLimiter', () => {
  it('limits each key and all keys together within a window, then forgets at the next window', () => {
    const clock = new ManualClock();
    const rl = new RateLimiter(clock, { perKey: 2, total: 3, windowMs: 60_000 });
    expect([rl.take('a'), rl.take('a'), rl.take('a')]).toEqual([true, true, false]);
    expect(rl.take('b')).toBe(true);
    expect(rl.take('c')).toBe(false);
    expect(rl.retryAfterMs()).toBe(60_000);
    clock.advance(60_000);
    expect(rl.take('a')).toBe(true);
  });

  it('keeps a bounded number of keys', () => {
    const rl = new RateLimiter(new ManualClock(), { perKey: 1, total: 100, windowMs: 1000, maxKeys: 2 });
    expect([rl.take('a'), rl.take('b'), rl.take('c'), rl.take('c')]).toEqual([true, true, true, false]);
  });
});
