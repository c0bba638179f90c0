import { describe, expect, it } from 'vitest';
import { lastLocalMinute, nextLocalMinute } from './local-time.ts';

const PARIS = 'Europe/Paris';
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('local day boundaries', () => {
  it('finds the last and next 04:00 in Paris on an ordinary winter day', () => {
    const now = Date.UTC(2026, 0, 5, 9, 30); // 10:30 CET
    expect(iso(lastLocalMinute(now, PARIS, 240))).toBe('2026-01-05T03:00:00.000Z');
    expect(iso(nextLocalMinute(now, PARIS, 240))).toBe('2026-01-06T03:00:00.000Z');
    expect(iso(nextLocalMinute(now, PARIS, 0))).toBe('2026-01-05T23:00:00.000Z');
  });

  it('before the reset hour, the last one is yesterday; at the minute itself, it is now', () => {
    expect(iso(lastLocalMinute(Date.UTC(2026, 0, 5, 1, 0), PARIS, 240))).toBe('2026-01-04T03:00:00.000Z');
    expect(lastLocalMinute(Date.UTC(2026, 0, 5, 3, 0), PARIS, 240)).toBe(Date.UTC(2026, 0, 5, 3, 0));
  });

  it('follows daylight saving: spring forward and fall back', () => {
    // 29 March 2026: 02:00 CET -> 03:00 CEST. Midnight after is 22:00 UTC, 04:00 that day 02:00 UTC.
    expect(iso(lastLocalMinute(Date.UTC(2026, 2, 29, 10, 0), PARIS, 240))).toBe('2026-03-29T02:00:00.000Z');
    expect(iso(nextLocalMinute(Date.UTC(2026, 2, 29, 10, 0), PARIS, 0))).toBe('2026-03-29T22:00:00.000Z');
    // 02:30 does not exist that day: the instant the clock jumped past it.
    expect(iso(lastLocalMinute(Date.UTC(2026, 2, 29, 10, 0), PARIS, 150))).toBe('2026-03-29T01:00:00.000Z');
    // 25 October 2026: 03:00 CEST -> 02:00 CET.
    expect(iso(lastLocalMinute(Date.UTC(2026, 9, 25, 10, 0), PARIS, 240))).toBe('2026-10-25T03:00:00.000Z');
    expect(iso(nextLocalMinute(Date.UTC(2026, 9, 24, 10, 0), PARIS, 240))).toBe('2026-10-25T03:00:00.000Z');
  });

  it('works in UTC and refuses an unknown zone', () => {
    expect(lastLocalMinute(Date.UTC(2026, 0, 5, 9, 30, 12), 'UTC', 0)).toBe(Date.UTC(2026, 0, 5));
    expect(lastLocalMinute(Date.UTC(2026, 0, 5), 'Mars/Olympus', 0)).toBeUndefined();
  });
});
