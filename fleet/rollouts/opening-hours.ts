/**
 * A club's opening hours, evaluated in the club's own timezone (pure, no I/O). The stored
 * shape is migration 001's `clubs.opening_hours`: `{"mon":[["06:00","22:30"]], ...}` in
 * local time. An interval whose end is before its start runs past midnight
 * (`["22:00","02:00"]`); "24:00" is accepted as an end. A day that is missing or empty is
 * closed all day.
 */

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
type Day = (typeof DAYS)[number];
const HHMM = /^([01][0-9]|2[0-4]):([0-5][0-9])$/;

export type OpeningHours = Partial<Record<Day, readonly (readonly [string, string])[]>>;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timezone, f);
  }
  return f;
}

/** True when the string names a timezone this runtime knows (IANA, e.g. "Europe/Paris"). */
export function isKnownTimezone(timezone: string): boolean {
  try {
    formatterFor(timezone);
    return true;
  } catch {
    return false;
  }
}

/** The local weekday index (0 = Sunday) and minute of the day of `epochMs` in `timezone`. */
export function localTime(epochMs: number, timezone: string): { day: number; minute: number } {
  const parts = formatterFor(timezone).formatToParts(new Date(epochMs));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = DAYS.indexOf(get('weekday').toLowerCase().slice(0, 3) as Day);
  return { day, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

const minuteOf = (hhmm: string): number | null => {
  const m = HHMM.exec(hhmm);
  if (!m) return null;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return v <= 24 * 60 ? v : null;
};

/** Reads the stored JSON; anything malformed is dropped (a malformed day counts as closed). */
export function parseOpeningHours(raw: unknown): OpeningHours {
  const out: Record<string, [string, string][]> = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const day of DAYS) {
    const list = (raw as Record<string, unknown>)[day];
    if (!Array.isArray(list)) continue;
    out[day] = list.filter((i): i is [string, string] => Array.isArray(i) && i.length === 2 && typeof i[0] === 'string' && typeof i[1] === 'string' && minuteOf(i[0]) !== null && minuteOf(i[1]) !== null);
  }
  return out;
}

/** Is the club open at `epochMs`? Overnight intervals of the previous day count. */
export function isOpenAt(hours: OpeningHours, timezone: string, epochMs: number): boolean {
  const { day, minute } = localTime(epochMs, timezone);
  const today = hours[DAYS[day] as Day] ?? [];
  const yesterday = hours[DAYS[(day + 6) % 7] as Day] ?? [];
  for (const [a, b] of today) {
    const start = minuteOf(a) as number;
    const end = minuteOf(b) as number;
    if (end > start ? minute >= start && minute < end : minute >= start) return true;
  }
  for (const [a, b] of yesterday) {
    const start = minuteOf(a) as number;
    const end = minuteOf(b) as number;
    if (end < start && minute < end) return true;
  }
  return false;
}
