import type { OpeningException, Zone } from './model.ts';
import { localTime, parseTimeOfDay, previousWeekday } from './local-time.ts';
import type { LocalTime } from './local-time.ts';

/**
 * Whether a zone is open at an instant, in the zone's own time zone. Rules (see
 * docs/access-rules.md): `open` exceptions of the date replace the weekly periods,
 * `closed` exceptions are subtracted after, a period whose end is before its start runs
 * past midnight into the next day. Anything malformed (unknown time zone, bad 'HH:MM')
 * fails closed: a malformed opening opens nothing, a malformed closure closes the day.
 */
export function isZoneOpen(zone: Zone, now: number): boolean {
  const local = localTime(now, zone.timezone);
  return local !== undefined && isZoneOpenAt(zone, local);
}

/** Same, for a local time already computed in the zone's time zone. */
export function isZoneOpenAt(zone: Zone, local: LocalTime): boolean {
  const ofDate = zone.exceptions.filter((e) => e.date === local.date);
  const closures = ofDate.filter((e) => e.kind === 'closed');
  if (closures.some((c) => inException(c, local.minutes, true))) return false;
  const openings = ofDate.filter((e) => e.kind === 'open');
  if (openings.length > 0) return openings.some((o) => inException(o, local.minutes, false));
  return inWeeklyPeriods(zone, local);
}

function inWeeklyPeriods(zone: Zone, local: LocalTime): boolean {
  const yesterday: number = previousWeekday(local.weekday);
  for (const p of zone.periods) {
    const from = parseTimeOfDay(p.from);
    const to = parseTimeOfDay(p.to);
    if (from === undefined || to === undefined) continue;
    if (from < to) {
      if (p.weekday === local.weekday && local.minutes >= from && local.minutes < to) return true;
    } else if (from > to) {
      if (p.weekday === local.weekday && local.minutes >= from) return true;
      if (p.weekday === yesterday && local.minutes < to) return true;
    }
  }
  return false;
}

/** An exception without times covers the whole day; a malformed one covers it only if `failWide`. */
function inException(e: OpeningException, minutes: number, failWide: boolean): boolean {
  if (e.from == null && e.to == null) return true;
  const from = parseTimeOfDay(e.from ?? '00:00');
  const to = parseTimeOfDay(e.to ?? '24:00');
  if (from === undefined || to === undefined || from >= to) return failWide;
  return minutes >= from && minutes < to;
}
