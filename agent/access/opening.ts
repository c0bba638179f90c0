import type { IsoWeekday, OpeningException, Zone } from './model.ts';
import { addDays, instantOfLocal, localTime, parseTimeOfDay, previousWeekday } from './local-time.ts';
import type { LocalTime } from './local-time.ts';

/** Minutes since local midnight, [from, to). */
export interface Window {
  readonly from: number;
  readonly to: number;
}

const DAY = 1440;
const WHOLE_DAY: Window = { from: 0, to: DAY };
/** How far ahead the next opening is looked for (a pool closed for the summer weeks). */
const NEXT_OPENING_DAYS = 31;

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
  return openingWindows(zone, local).some((w) => local.minutes >= w.from && local.minutes < w.to);
}

/**
 * The zone's opening windows on a local date, in order: the date's `open` exceptions if it
 * has any, else the weekly periods (with the part of yesterday's overnight period past
 * midnight), minus the date's `closed` exceptions.
 */
export function openingWindows(zone: Zone, day: { readonly date: string; readonly weekday: IsoWeekday }): Window[] {
  const closures: Window[] = [];
  const openings: Window[] = [];
  let hasOpenings = false;
  for (const e of zone.exceptions) {
    if (e.date !== day.date) continue;
    if (e.kind === 'closed') closures.push(exceptionWindow(e) ?? WHOLE_DAY);
    else {
      hasOpenings = true;
      const w = exceptionWindow(e);
      if (w !== undefined) openings.push(w);
    }
  }
  const base = hasOpenings ? openings : weeklyWindows(zone, day.weekday);
  return subtract(base, closures).sort((a, b) => a.from - b.from);
}

/** When a zone closed at `now` opens next (epoch ms), within NEXT_OPENING_DAYS; undefined if never or unknown. */
export function nextOpening(zone: Zone, now: number): number | undefined {
  const local = localTime(now, zone.timezone);
  if (local === undefined) return undefined;
  for (let d = 0; d <= NEXT_OPENING_DAYS; d++) {
    const day = d === 0 ? local : addDays(local.date, d);
    for (const w of openingWindows(zone, day)) {
      if (d === 0 && w.from <= local.minutes) continue;
      const at = instantOfLocal(day.date, w.from, zone.timezone);
      // A window wholly inside a daylight-saving gap never opens: next.
      if (at !== undefined && at > now && isZoneOpen(zone, at)) return at;
    }
  }
  return undefined;
}

function weeklyWindows(zone: Zone, weekday: IsoWeekday): Window[] {
  const yesterday: number = previousWeekday(weekday);
  const out: Window[] = [];
  for (const p of zone.periods) {
    const from = parseTimeOfDay(p.from);
    const to = parseTimeOfDay(p.to);
    if (from === undefined || to === undefined) continue;
    if (from < to) {
      if (p.weekday === weekday) out.push({ from, to });
    } else if (from > to) {
      if (p.weekday === weekday && from < DAY) out.push({ from, to: DAY });
      if (p.weekday === yesterday) out.push({ from: 0, to });
    }
  }
  return out;
}

/** An exception without times covers the whole day; a malformed one is undefined (the caller decides how wide it fails). */
function exceptionWindow(e: OpeningException): Window | undefined {
  if (e.from == null && e.to == null) return WHOLE_DAY;
  const from = parseTimeOfDay(e.from ?? '00:00');
  const to = parseTimeOfDay(e.to ?? '24:00');
  if (from === undefined || to === undefined || from >= to) return undefined;
  return { from, to };
}

function subtract(windows: readonly Window[], cuts: readonly Window[]): Window[] {
  let out = [...windows];
  for (const cut of cuts) {
    const next: Window[] = [];
    for (const w of out) {
      if (cut.to <= w.from || cut.from >= w.to) next.push(w);
      else {
        if (w.from < cut.from) next.push({ from: w.from, to: cut.from });
        if (cut.to < w.to) next.push({ from: cut.to, to: w.to });
      }
    }
    out = next;
  }
  return out;
}
