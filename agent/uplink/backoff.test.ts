import { describe, expect, it } from 'vitest';
import { Backoff, DEFAULT_BACKOFF, reconnectPolicy } from './backoff.ts';

describe('Backoff (full jitter)', () => {
  it('draws each delay uniformly in [0, min(cap, base * 2^n)]', () => {
    const b = new Backoff({ baseMs: 1000, capMs: 10_000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6].map(() => b.next())).toEqual([999, 1999, 3999, 7999, 9999, 9999]);
    const zero = new Backoff({ baseMs: 1000, capMs: 10_000, random: () => 0 });
    expect(zero.next()).toBe(0);
  });

  it('starts again from the smallest window after reset', () => {
    const b = new Backoff({ baseMs: 100, capMs: 10_000, random: () => 0.5 });
    b.next();
    b.next();
    expect(b.attempts).toBe(2);
    b.reset();
    expect(b.next()).toBe(50);
  });

  it('spreads 10,000 boxes reconnecting at once over the window', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const delays = Array.from({ length: 10_000 }, () => new Backoff({ baseMs: 10_000, capMs: 300_000, random }).next());
    const perSecond = new Array<number>(10).fill(0);
    for (const d of delays) perSecond[Math.floor(d / 1000)]! += 1;
    // Uniform over 10 s: about 1,000 per second, nowhere near all 10,000 in one second.
    for (const n of perSecond) expect(n).toBeLessThan(1300);
  });
});

describe('DEFAULT_BACKOFF', () => {
  it('retries first within half a second and never waits more than 20 s, so a box is back within seconds of its network', () => {
    const b = new Backoff({ baseMs: DEFAULT_BACKOFF.baseMs, capMs: DEFAULT_BACKOFF.capMs, random: () => 0.999999 });
    const delays = Array.from({ length: 12 }, () => b.next());
    expect(delays[0]).toBeLessThan(500);
    expect(Math.max(...delays)).toBeLessThan(20_000);
    // Three minutes of outage: at most 20 s between two attempts, so the one after the restore comes within 20 s.
    expect(DEFAULT_BACKOFF.capMs).toBeLessThanOrEqual(20_000);
    expect(DEFAULT_BACKOFF.stableMs).toBeLessThanOrEqual(10_000);
  });
});

describe("ReconnectPolicy (the box's rule, shared with the benchmarks' simulated boxes)", () => {
  const max = () => 0.999999;

  it('a busy refusal retries within 1 s, doubling to the 20 s cap, and puts the loss backoff back to its first window', () => {
    const p = reconnectPolicy(max, () => 0);
    const lost = Array.from({ length: 8 }, () => p.next('lost'));
    expect(lost.at(-1)).toBe(19_999); // an outage: at the 20 s cap
    const busy = Array.from({ length: 6 }, () => p.next('busy'));
    expect(busy).toEqual([999, 1999, 3999, 7999, 15_999, 19_999]);
    expect(p.next('lost')).toBe(499);
  });

  it('a connection resets the busy window; only a stable one resets the loss backoff', () => {
    let now = 0;
    const p = reconnectPolicy(max, () => now);
    p.next('busy');
    p.next('busy');
    p.next('lost');
    p.next('lost');
    p.connected();
    now += DEFAULT_BACKOFF.stableMs - 1; // dropped before it proved stable
    expect(p.next('lost')).toBe(1999);
    p.connected();
    expect(p.next('busy')).toBe(999);
    p.connected();
    now += DEFAULT_BACKOFF.stableMs;
    expect(p.next('lost')).toBe(499);
  });
});
