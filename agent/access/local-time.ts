import type { IsoWeekday } from './model.ts';

/**
 * Wall-clock facts of an instant in a zone's time zone, via Intl (no date library). Pure:
 * formatters are memoised per time zone because building one costs far more than using it.
 */
export interface LocalTime {
  /** 'YYYY-MM-DD' */
  readonly date: string;
  readonly weekday: IsoWeekday;
  /** Minutes since local midnight, 0..1439. */
  readonly minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();
const WEEKDAYS: Readonly<Record<string, IsoWeekday>> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        weekday: 'short',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      });
    } catch (_e) {
      f = null; // an unknown time zone: the caller treats the zone as closed
    }
    if (formatters.size < 1000) formatters.set(timeZone, f);
  }
  return f;
}

/** The local date, weekday and minute of `epochMs` in `timeZone`; undefined for an unknown zone or bad instant. */
export function localTime(epochMs: number, timeZone: string): LocalTime | undefined {
  if (!Number.isFinite(epochMs) || Math.abs(epochMs) > 8.64e15) return undefined;
  const f = formatterFor(timeZone);
  if (f === null) return undefined;
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(epochMs)) p[part.type] = part.value;
  const weekday = WEEKDAYS[p.weekday ?? ''];
  const hour = Number(p.hour);
  const minute = Number(p.minute);
  if (weekday === undefined || !Number.isInteger(hour) || !Number.isInteger(minute) || p.year === undefined) return undefined;
  return { date: `${p.year}-${p.month}-${p.day}`, weekday, minutes: hour * 60 + minute };
}

/** 'HH:MM' to minutes since midnight (0..1440, '24:00' allowed); undefined if malformed. */
export function parseTimeOfDay(text: string | null | undefined): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (m === null) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 1440 ? minutes : undefined;
}

/** The ISO weekday before `weekday`. */
export function previousWeekday(weekday: IsoWeekday): IsoWeekday {
  return (weekday === 1 ? 7 : weekday - 1) as IsoWeekday;
}

const MINUTE_MS = 60_000;
/** Wall-clock shifts a day can have (daylight saving), tried when the plain arithmetic misses. */
const SHIFTS_MIN = [0, 60, -60, 30, -30, 120, -120];

/**
 * The latest instant at or before `now` whose local wall clock in `timeZone` reads
 * `minuteOfDay` (whole minute). On a day where that wall time does not exist (the hour a
 * daylight-saving change skips), the instant the clock jumped past it. Undefined for an
 * unknown zone.
 */
export function lastLocalMinute(now: number, timeZone: string, minuteOfDay: number): number | undefined {
  const local = localTime(now, timeZone);
  if (local === undefined) return undefined;
  const back = (local.minutes - minuteOfDay + 1440) % 1440;
  const guess = now - (now % MINUTE_MS) - back * MINUTE_MS;
  for (const shift of SHIFTS_MIN) {
    const at = guess + shift * MINUTE_MS;
    if (at <= now && localTime(at, timeZone)?.minutes === minuteOfDay) return at;
  }
  return skippedTo(guess, timeZone, minuteOfDay);
}

/** The first minute from `from` whose wall clock is past `minuteOfDay`: where a skipped hour lands. */
function skippedTo(from: number, timeZone: string, minuteOfDay: number): number {
  const date = localTime(from, timeZone)?.date;
  for (let at = from; at < from + 180 * MINUTE_MS; at += MINUTE_MS) {
    const l = localTime(at, timeZone);
    if (l !== undefined && (l.date !== date || l.minutes > minuteOfDay)) return at;
  }
  return from;
}

/** The next instant after `now` whose local wall clock reads `minuteOfDay` (see lastLocalMinute). */
export function nextLocalMinute(now: number, timeZone: string, minuteOfDay: number): number | undefined {
  const last = lastLocalMinute(now, timeZone, minuteOfDay);
  if (last === undefined) return undefined;
  const guess = last + 1440 * MINUTE_MS;
  for (const shift of SHIFTS_MIN) {
    const at = guess + shift * MINUTE_MS;
    if (at > now && localTime(at, timeZone)?.minutes === minuteOfDay) return at;
  }
  return skippedTo(guess - 60 * MINUTE_MS, timeZone, minuteOfDay);
}
