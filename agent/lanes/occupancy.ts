import { lastLocalMinute, parseTimeOfDay } from '../access/local-time.ts';

/** How a zone's figure is counted (the box configuration's `occupancy`, docs/agent.md). */
export interface OccupancyPolicy {
  /** A person whose last entry is older than this is no longer counted (left by a free door). */
  readonly maxStayMs: number;
  /** An entry nobody can be named for (manual open, forced passage) counts this long. */
  readonly anonymousExpiryMs: number;
  /** Local time of day ('HH:MM' as minutes) at which every figure starts again from zero. */
  readonly resetMinuteOfDay: number;
  /** Time zone of the reset: the zone's own (from the rights), else the box's. */
  readonly timeZone: string;
}

export const DEFAULT_OCCUPANCY = { maxStayMs: 4 * 3600_000, anonymousExpiryMs: 2 * 3600_000, resetMinuteOfDay: 4 * 60 } as const;

/**
 * The policy of each zone from the box configuration's `occupancy` (minutes, 'HH:MM'), the
 * reset in the zone's own time zone when the rights know it, else the box's.
 */
export function occupancyPolicies(
  config: { readonly maxStayMinutes?: number; readonly anonymousExpiryMinutes?: number; readonly resetAt?: string } | undefined,
  zoneTimeZone: (zoneId: string) => string | undefined,
  boxTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone,
): (zoneId: string) => OccupancyPolicy {
  const fixed = {
    maxStayMs: (config?.maxStayMinutes ?? DEFAULT_OCCUPANCY.maxStayMs / 60_000) * 60_000,
    anonymousExpiryMs: (config?.anonymousExpiryMinutes ?? DEFAULT_OCCUPANCY.anonymousExpiryMs / 60_000) * 60_000,
    resetMinuteOfDay: parseTimeOfDay(config?.resetAt) ?? DEFAULT_OCCUPANCY.resetMinuteOfDay,
  };
  return (zoneId) => ({ ...fixed, timeZone: zoneTimeZone(zoneId) ?? boxTimeZone });
}

/** Who went through: a member, a ticket (by its id), or nobody the box can name. */
export type Person = { readonly member: string } | { readonly ticket: string } | undefined;

const keyOf = (p: Person): string | undefined => (p === undefined ? undefined : 'member' in p ? `m:${p.member}` : `t:${p.ticket}`);

/** Who is counted: person key -> time of their last confirmed entry, and anonymous entries. */
interface Tally {
  /** Person key -> time of their last confirmed entry (present while their last passage is an entry). */
  readonly inside: Map<string, number>;
  /** Times of anonymous entries, oldest first. */
  anonymous: number[];
}

/** What changes a zone's figure, in passage time order. */
type OccupancyEvent = { readonly at: number; readonly kind: 'in' | 'out'; readonly key: string | undefined } | { readonly at: number; readonly kind: 'correct'; readonly count: number };

interface ZoneState {
  tally: Tally;
  /** The events of the last LOG_MS, sorted by time (ties in arrival order): the tally is their fold. */
  log: OccupancyEvent[];
}

/**
 * How long the events are kept for a late passage (another box's, relayed by the fleet) to
 * be put back in its place. Longer than a day: the daily reset means nothing before the
 * last one counts, so the fold of this window is the fold of the whole history.
 */
export const LOG_MS = 48 * 3600_000;

/**
 * Who is inside each zone, counted as people and not as turnstile turns: the members (and
 * tickets) whose last confirmed passage in the zone is an entry, within the maximum stay,
 * plus the anonymous entries until they expire; nobody from before the last daily reset. A
 * member who enters twice without a confirmed exit (a free exit door, a tailgate) counts
 * once. An exit nobody can be named for takes away the oldest live anonymous entry, if any.
 * A desk correction sets the figure: the people in longest are taken as gone, or anonymous
 * entries are added.
 *
 * The figure is the fold of the events in passage-time order, whatever order they arrive in:
 * the club's other boxes' passages come late (relayed by the fleet, or all at once after an
 * outage), and a late entry older than the member's last known exit must not count them in.
 * An event in order is applied at once; one that arrives out of order refolds the zone's log.
 * Pure in-memory state; the lanes rebuild it from the journal at start.
 */
export class Occupancy {
  private readonly zones = new Map<string, ZoneState>();

  constructor(private readonly policyOf: (zoneId: string) => OccupancyPolicy) {}

  entry(zoneId: string, at: number, person: Person): void {
    this.add(zoneId, { at, kind: 'in', key: keyOf(person) });
  }

  exit(zoneId: string, at: number, person: Person): void {
    this.add(zoneId, { at, kind: 'out', key: keyOf(person) });
  }

  /** The desk says `count` people are inside at `at`. */
  correct(zoneId: string, at: number, count: number): void {
    this.add(zoneId, { at, kind: 'correct', count });
  }

  zoneIds(): string[] {
    return [...this.zones.keys()];
  }

  count(zoneId: string, now: number): number {
    return this.live(zoneId, now).length;
  }

  /** Members counted inside now, with the time of their entry (the desk's member card). */
  memberEntry(zoneId: string, memberId: string, now: number): number | undefined {
    const at = this.zones.get(zoneId)?.tally.inside.get(`m:${memberId}`);
    return at !== undefined && at > this.countedSince(zoneId, now).member ? at : undefined;
  }

  /** Forgets what can no longer count or be reordered (called now and then; counts never depend on it). */
  prune(now: number): void {
    for (const [zoneId, z] of this.zones) {
      const since = this.countedSince(zoneId, now);
      for (const [key, at] of z.tally.inside) if (at <= since.member) z.tally.inside.delete(key);
      z.tally.anonymous = z.tally.anonymous.filter((t) => t > since.anonymous);
      const keepFrom = z.log.findIndex((e) => e.at >= now - LOG_MS);
      z.log = keepFrom < 0 ? [] : z.log.slice(keepFrom);
    }
  }

  private add(zoneId: string, event: OccupancyEvent): void {
    const z = this.zone(zoneId);
    const last = z.log[z.log.length - 1];
    if (last !== undefined && event.at < last.at) {
      // Too late to be put in its place: it is older than anything that can still count.
      if (event.at < last.at - LOG_MS) return;
      let i = z.log.length;
      while (i > 0 && (z.log[i - 1] as OccupancyEvent).at > event.at) i--;
      z.log.splice(i, 0, event);
      z.tally = { inside: new Map(), anonymous: [] };
      for (const e of z.log) this.apply(zoneId, z.tally, e);
      return;
    }
    z.log.push(event);
    this.apply(zoneId, z.tally, event);
  }

  private apply(zoneId: string, t: Tally, e: OccupancyEvent): void {
    if (e.kind === 'correct') return this.applyCorrection(zoneId, t, e.at, e.count);
    if (e.kind === 'in') {
      if (e.key === undefined) insertSorted(t.anonymous, e.at);
      else t.inside.set(e.key, e.at);
      return;
    }
    if (e.key !== undefined) return void t.inside.delete(e.key);
    const since = this.countedSince(zoneId, e.at).anonymous;
    const i = t.anonymous.findIndex((at) => at > since && at <= e.at);
    if (i >= 0) t.anonymous.splice(i, 1);
  }

  private applyCorrection(zoneId: string, t: Tally, at: number, count: number): void {
    const live = this.liveIn(zoneId, t, at);
    const excess = live.length - Math.max(0, Math.floor(count));
    if (excess < 0) for (let i = 0; i < -excess; i++) insertSorted(t.anonymous, at);
    for (const gone of live.sort((a, b) => a.at - b.at).slice(0, Math.max(0, excess))) {
      if (gone.key === undefined) t.anonymous.splice(t.anonymous.indexOf(gone.at), 1);
      else t.inside.delete(gone.key);
    }
  }

  private live(zoneId: string, now: number): { key: string | undefined; at: number }[] {
    const z = this.zones.get(zoneId);
    return z === undefined ? [] : this.liveIn(zoneId, z.tally, now);
  }

  private liveIn(zoneId: string, t: Tally, now: number): { key: string | undefined; at: number }[] {
    const since = this.countedSince(zoneId, now);
    const out: { key: string | undefined; at: number }[] = [];
    for (const [key, at] of t.inside) if (at > since.member) out.push({ key, at });
    for (const at of t.anonymous) if (at > since.anonymous) out.push({ key: undefined, at });
    return out;
  }

  /** Entries at or before these instants no longer count. */
  private countedSince(zoneId: string, now: number): { member: number; anonymous: number } {
    const p = this.policyOf(zoneId);
    const reset = (lastLocalMinute(now, p.timeZone, p.resetMinuteOfDay) ?? Number.NEGATIVE_INFINITY) - 1;
    return { member: Math.max(now - p.maxStayMs, reset), anonymous: Math.max(now - p.anonymousExpiryMs, reset) };
  }

  private zone(zoneId: string): ZoneState {
    let z = this.zones.get(zoneId);
    if (z === undefined) this.zones.set(zoneId, (z = { tally: { inside: new Map(), anonymous: [] }, log: [] }));
    return z;
  }
}

function insertSorted(list: number[], at: number): void {
  let i = list.length;
  while (i > 0 && (list[i - 1] as number) > at) i--;
  list.splice(i, 0, at);
}
