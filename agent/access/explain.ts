import { EXPLANATION_VERSION, MAX_LISTED } from '../../protocol/access/explanation.ts';
import type { BlockingAlertFacts, BookingWindowFacts, ExplainedInstant, Explanation, RightCandidate, RightStatus, RuleTrace, ZoneOpenFacts } from '../../protocol/access/explanation.ts';
import { formatTimeOfDay, localIso } from './local-time.ts';
import type { LocalTime } from './local-time.ts';
import type { AccessRight, BlockingAlert, Booking, Zone } from './model.ts';
import { nextOpening, openingWindows } from './opening.ts';

const MINUTE = 60_000;

interface MutableInstant {
  at: number;
  local: string | null;
}

/**
 * What decide() records while it evaluates the rules: each rule with its outcome and facts.
 * Cheap to fill (small objects, references to the records); the costly parts (rendering each
 * instant in the zone's time zone) wait for build(), which runs only for a decision whose
 * explanation is kept (every refusal, a sampled share of grants).
 */
export class Trace {
  private readonly rules: RuleTrace[] = [];
  private readonly instants: MutableInstant[] = [];
  private timezone: string | null = null;

  constructor(private readonly now: number) {}

  add(rule: RuleTrace): void {
    this.rules.push(rule);
  }

  /** The time zone every instant is rendered in (the zone's, once known). */
  zoneTimezone(tz: string): void {
    this.timezone = tz;
  }

  instant(at: number): ExplainedInstant {
    const i: MutableInstant = { at, local: null };
    this.instants.push(i);
    return i;
  }

  optionalInstant(at: number | null | undefined): ExplainedInstant | null {
    return at == null ? null : this.instant(at);
  }

  build(rightsVersion: number): Explanation {
    const at = this.instant(this.now);
    const tz = this.timezone;
    if (tz !== null) for (const i of this.instants) i.local = localIso(i.at, tz) ?? null;
    return { v: EXPLANATION_VERSION, rightsVersion, at, tz, rules: this.rules };
  }
}

/** The zone-open rule's facts; the next opening is only looked for when the zone is closed. */
export function zoneFacts(trace: Trace, zoneId: string, zone: Zone | undefined, local: LocalTime | undefined, open: boolean, now: number): ZoneOpenFacts {
  if (zone === undefined || local === undefined) return { zoneId, zoneName: zone?.name ?? null, known: false, today: [], nextOpening: null };
  const today = openingWindows(zone, local).map((w) => `${formatTimeOfDay(w.from)}-${formatTimeOfDay(w.to)}`);
  return { zoneId, zoneName: zone.name, known: true, today, nextOpening: open ? null : trace.optionalInstant(nextOpening(zone, now)) };
}

/** The blocking-alert rule's facts: the alerts in force, at most MAX_LISTED. */
export function alertFacts(trace: Trace, alerts: readonly BlockingAlert[]): BlockingAlertFacts {
  return {
    alerts: alerts.slice(0, MAX_LISTED).map((a) => ({ id: a.id, message: a.message, from: trace.optionalInstant(a.from), until: trace.optionalInstant(a.until) })),
    more: Math.max(0, alerts.length - MAX_LISTED),
  };
}

/** One covering right as the right rule saw it. */
export function rightCandidate(trace: Trace, right: AccessRight, status: RightStatus, visitsLeft: number | undefined, entriesToday: number | null): RightCandidate {
  return {
    id: right.id,
    kind: right.kind,
    validFrom: trace.instant(right.validFrom),
    validTo: trace.instant(right.validTo),
    visitsLeft: visitsLeft ?? null,
    maxEntriesPerDay: right.maxEntriesPerDay ?? null,
    entriesToday,
    status,
  };
}

/** At most MAX_LISTED candidates, the chosen one first. */
export function listed(candidates: readonly RightCandidate[], chosen: string | null): { candidates: RightCandidate[]; more: number } {
  const ordered = chosen === null ? [...candidates] : [...candidates.filter((c) => c.id === chosen), ...candidates.filter((c) => c.id !== chosen)];
  return { candidates: ordered.slice(0, MAX_LISTED), more: Math.max(0, ordered.length - MAX_LISTED) };
}

/** The booking-window rule's facts: the booking open now, else the next one, else the last. */
export function bookingFacts(trace: Trace, window: { readonly beforeMin: number; readonly afterMin: number }, bookings: readonly Booking[], now: number, opened: Booking | undefined): BookingWindowFacts {
  let nearest = opened;
  if (nearest === undefined) {
    const upcoming = bookings.filter((b) => b.startsAt - window.beforeMin * MINUTE > now).sort((a, b) => a.startsAt - b.startsAt);
    const past = bookings.filter((b) => !(b.startsAt - window.beforeMin * MINUTE > now)).sort((a, b) => b.startsAt - a.startsAt);
    nearest = upcoming[0] ?? past[0];
  }
  return {
    beforeMin: window.beforeMin,
    afterMin: window.afterMin,
    booking:
      nearest === undefined
        ? null
        : {
            id: nearest.id,
            startsAt: trace.instant(nearest.startsAt),
            opensAt: trace.instant(nearest.startsAt - window.beforeMin * MINUTE),
            closesAt: trace.instant(nearest.startsAt + window.afterMin * MINUTE),
          },
    bookings: bookings.length,
  };
}
