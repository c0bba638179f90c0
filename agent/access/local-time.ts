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

/**
 * The local date, weekday and minute of `epochMs` in `timeZone`; undefined for an unknown
 * zone or bad instant. Intl is asked for the zone's UTC offset once per quarter hour (the
 * offset is kept when it is the same at both ends of the quarter hour, which every
 * daylight-saving change respects); the wall clock is then arithmetic, several times
 * cheaper than formatting each instant.
 */
export function localTime(epochMs: number, timeZone: string): LocalTime | undefined {
  if (!Number.isFinite(epochMs) || Math.abs(epochMs) > 8.64e15) return undefined;
  const offset = offsetAt(epochMs, timeZone);
  if (offset === undefined) return undefined;
  const d = new Date(epochMs + offset * MINUTE);
  if (Number.isNaN(d.getTime())) return undefined;
  const date = `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return { date, weekday: (((d.getUTCDay() + 6) % 7) + 1) as IsoWeekday, minutes: d.getUTCHours() * 60 + d.getUTCMinutes() };
}

/** The same facts read from Intl for this very instant: the reference localTime() is checked against. */
export function localTimeByIntl(epochMs: number, timeZone: string): LocalTime | undefined {
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

const MINUTE = 60_000;
const QUARTER_HOUR = 15 * MINUTE;
/** Offsets known per time zone, by quarter hour since the epoch; each map is emptied past this size. */
const MAX_KNOWN_QUARTERS = 4096;
const knownOffsets = new Map<string, Map<number, number>>();

/** The zone's offset (minutes ahead of UTC) at `epochMs`, from the quarter-hour memo when it is unambiguous. */
function offsetAt(epochMs: number, timeZone: string): number | undefined {
  const quarter = Math.floor(epochMs / QUARTER_HOUR);
  const zone = knownOffsets.get(timeZone);
  const known = zone?.get(quarter);
  if (known !== undefined) return known;
  const start = quarter * QUARTER_HOUR;
  const first = exactOffset(start, timeZone);
  if (first === undefined) return undefined;
  // A change inside this quarter hour (none is known today): ask Intl for the instant itself.
  if (exactOffset(start + QUARTER_HOUR - MINUTE, timeZone) !== first) return exactOffset(epochMs, timeZone);
  if (zone === undefined) {
    if (knownOffsets.size < 1000) knownOffsets.set(timeZone, new Map([[quarter, first]]));
  } else {
    if (zone.size >= MAX_KNOWN_QUARTERS) zone.clear();
    zone.set(quarter, first);
  }
  return first;
}

function exactOffset(epochMs: number, timeZone: string): number | undefined {
  const local = localTimeByIntl(epochMs, timeZone);
  return local === undefined ? undefined : offsetMinutes(epochMs, local);
}

/** Epoch ms of a local wall-clock reading taken as if it were UTC (offset arithmetic). */
function wallClockMs(date: string, minutes: number): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) + minutes * MINUTE;
}

/** Minutes the zone's wall clock is ahead of UTC at `epochMs`. */
function offsetMinutes(epochMs: number, local: LocalTime): number {
  return Math.round((wallClockMs(local.date, local.minutes) - Math.floor(epochMs / MINUTE) * MINUTE) / MINUTE);
}

/**
 * An instant as the zone's wall clock shows it, with the offset then in force:
 * 'YYYY-MM-DDTHH:MM+02:00' (ISO 8601, to the minute). Undefined for an unknown zone or a bad instant.
 */
export function localIso(epochMs: number, timeZone: string): string | undefined {
  const local = localTime(epochMs, timeZone);
  if (local === undefined) return undefined;
  const offset = offsetMinutes(epochMs, local);
  const abs = Math.abs(offset);
  return `${local.date}T${formatTimeOfDay(local.minutes)}${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * The instant a local date and minute of `timeZone` stands for. A reading skipped by a
 * daylight-saving jump gives the instant of the jump (02:30 on the spring Sunday in Paris
 * is 03:00 CEST, the first minute at or after it); a repeated one gives its first occurrence.
 */
export function instantOfLocal(date: string, minutes: number, timeZone: string): number | undefined {
  const wall = wallClockMs(date, minutes);
  const offsetAround = (at: number): number | undefined => {
    const local = localTime(at, timeZone);
    return local === undefined ? undefined : offsetMinutes(at, local);
  };
  const before = offsetAround(wall - 43_200_000);
  const after = offsetAround(wall + 43_200_000);
  if (before === undefined || after === undefined) return undefined;
  for (const offset of before >= after ? [before, after] : [after, before]) {
    const at = wall - offset * MINUTE;
    const local = localTime(at, timeZone);
    if (local !== undefined && local.date === date && local.minutes === minutes) return at;
  }
  // In a gap: the first minute whose reading is past the wanted one is the jump.
  const readsPast = (at: number) => {
    const local = localTime(at, timeZone);
    return local !== undefined && wallClockMs(local.date, local.minutes) > wall;
  };
  let lo = wall - Math.max(before, after) * MINUTE;
  let hi = wall - Math.min(before, after) * MINUTE;
  if (!readsPast(hi)) return undefined;
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (readsPast(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The local date `days` after `date` ('YYYY-MM-DD'), and its ISO weekday. */
export function addDays(date: string, days: number): { readonly date: string; readonly weekday: IsoWeekday } {
  const d = new Date(wallClockMs(date, 0) + days * 86_400_000);
  return { date: d.toISOString().slice(0, 10), weekday: (((d.getUTCDay() + 6) % 7) + 1) as IsoWeekday };
}

/** Minutes since midnight to 'HH:MM' (1440 is '24:00'). */
export function formatTimeOfDay(minutes: number): string {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
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
