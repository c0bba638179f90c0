import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantOfLocal, lastLocalMinute, localIso, localTime, localTimeByIntl, nextLocalMinute } from './local-time.ts';

const paris = (day: number, hour: number, minute = 0) => Date.UTC(2026, 5, day, hour - 2, minute);
const NOW = paris(10, 10);
const ZONES = ['Europe/Paris', 'UTC', 'America/New_York', 'America/St_Johns', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'Europe/Dublin', 'America/Santiago'];

describe('localTime()', () => {
  it('reads the same wall clock as Intl for any instant, around every daylight-saving change (property)', () => {
    const instant = fc.oneof(
      fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }),
      // Around the 2026 European and American changes, to the minute and the millisecond.
      fc.integer({ min: -180, max: 180 }).chain((m) => fc.constantFrom(Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1), Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 10, 1, 6)).map((t) => t + m * 60_000)),
      fc.integer({ min: Date.UTC(2026, 2, 29, 0), max: Date.UTC(2026, 2, 29, 2) }),
    );
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (at, zone) => {
        expect(localTime(at, zone)).toEqual(localTimeByIntl(at, zone));
      }),
      { numRuns: 5000 },
    );
  });

  it('has no wall clock for an unknown zone or an instant out of range', () => {
    expect(localTime(NOW, 'Bad/Zone')).toBeUndefined();
    expect(localTime(Number.NaN, 'Europe/Paris')).toBeUndefined();
    expect(localTime(8.64e15 + 1, 'Europe/Paris')).toBeUndefined();
  });
});

describe('local renderings', () => {
  it('render instants with the offset in force, across daylight saving', () => {
    expect(localIso(Date.UTC(2026, 2, 29, 0, 59), 'Europe/Paris')).toBe('2026-03-29T01:59+01:00');
    expect(localIso(Date.UTC(2026, 2, 29, 1, 0), 'Europe/Paris')).toBe('2026-03-29T03:00+02:00');
    expect(localIso(Date.UTC(2026, 9, 25, 0, 30), 'Europe/Paris')).toBe('2026-10-25T02:30+02:00');
    expect(localIso(Date.UTC(2026, 9, 25, 1, 30), 'Europe/Paris')).toBe('2026-10-25T02:30+01:00');
    expect(localIso(Date.UTC(2026, 0, 1, 3), 'America/St_Johns')).toBe('2025-12-31T23:30-03:30');
    expect(localIso(NOW, 'Bad/Zone')).toBeUndefined();
  });

  it('find the instant of a local reading, after a spring jump and at the first autumn occurrence', () => {
    expect(instantOfLocal('2026-06-10', 360, 'Europe/Paris')).toBe(paris(10, 6));
    expect(instantOfLocal('2026-03-29', 150, 'Europe/Paris')).toBe(Date.UTC(2026, 2, 29, 1, 0));
    expect(instantOfLocal('2026-10-25', 150, 'Europe/Paris')).toBe(Date.UTC(2026, 9, 25, 0, 30));
  });

});

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
