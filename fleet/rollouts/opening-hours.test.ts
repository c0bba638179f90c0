import { describe, expect, it } from 'vitest';
import { isKnownTimezone, isOpenAt, localTime, parseOpeningHours } from './opening-hours.ts';

const PARIS = 'Europe/Paris';
const hours = parseOpeningHours({ mon: [['06:00', '22:30']], tue: [['06:00', '22:30']], sat: [['08:00', '12:00'], ['14:00', '20:00']], sun: [['22:00', '02:00']] });

describe('opening hours in the club timezone', () => {
  it('reads local time in Paris in winter (UTC+1) and summer (UTC+2)', () => {
    expect(localTime(Date.UTC(2026, 0, 5, 4, 59), PARIS)).toEqual({ day: 1, minute: 5 * 60 + 59 });
    expect(localTime(Date.UTC(2026, 6, 6, 4, 0), PARIS)).toEqual({ day: 1, minute: 6 * 60 });
  });

  it('opening and closing minutes are boundaries: open at the start, closed at the end', () => {
    // Monday 5 January 2026, winter: 06:00 Paris = 05:00 UTC.
    expect(isOpenAt(hours, PARIS, Date.UTC(2026, 0, 5, 4, 59))).toBe(false);
    expect(isOpenAt(hours, PARIS, Date.UTC(2026, 0, 5, 5, 0))).toBe(true);
    expect(isOpenAt(hours, PARIS, Date.UTC(2026, 0, 5, 21, 29))).toBe(true);
    expect(isOpenAt(hours, PARIS, Date.UTC(2026, 0, 5, 21, 30))).toBe(false);
  });

  it('the same UTC instant is open in summer and closed in winter (DST)', () => {
    // 04:30 UTC: 05:30 Paris in January (closed), 06:30 Paris in July (open).
    expect(isOpenAt(hours, PARIS, Date.UTC(2026, 0, 5, 4, 30))).toBe(false);
    expect(isOpenAt(hours, PARIS, Date.UTC(2026, 6, 6, 4, 30))).toBe(true);
  });

  it('split days and overnight intervals', () => {
    // Saturday 10 January 2026: lunch break 12:00-14:00 Paris.
    expect(isOpenAt(hours, PARIS, Date.UTC(2026, 0, 10, 11, 0))).toBe(false);
    expect(isOpenAt(hours, PARIS, Date.UTC(2026, 0, 10, 13, 0))).toBe(true);
    // Sunday 22:00 to Monday 02:00.
    expect(isOpenAt(hours, PARIS, Date.UTC(2026, 0, 11, 22, 0))).toBe(true);
    expect(isOpenAt(hours, PARIS, Date.UTC(2026, 0, 12, 0, 59))).toBe(true);
    expect(isOpenAt(hours, PARIS, Date.UTC(2026, 0, 12, 1, 0))).toBe(false);
  });

  it('missing days are closed and malformed entries are dropped', () => {
    expect(isOpenAt(hours, PARIS, Date.UTC(2026, 0, 8, 12, 0))).toBe(false);
    expect(parseOpeningHours({ mon: [['6h', '22:00'], ['06:00']], tue: 'x' })).toEqual({ mon: [] });
    expect(parseOpeningHours(null)).toEqual({});
  });

  it('knows IANA timezones', () => {
    expect(isKnownTimezone(PARIS)).toBe(true);
    expect(isKnownTimezone('Mars/Olympus')).toBe(false);
  });
});
