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

interface ZoneState {
  /** Person key -> time of their last confirmed entry (present while their last passage is an entry). */
  readonly inside: Map<string, number>;
  /** Times of anonymous entries, oldest first. */
  anonymous: number[];
}

/**
 * Who is inside each zone, counted as people and not as turnstile turns: the members (and
 * tickets) whose last confirmed passage in the zone is an entry, within the maximum stay,
 * plus the anonymous entries until they expire; nobody from before the last daily reset. A
 * member who enters twice without a confirmed exit (a free exit door, a tailgate) counts
 * once. An exit nobody can be named for takes away the oldest live anonymous entry, if any.
 * A desk correction sets the figure: the people in longest are taken as gone, or anonymous
 * entries are added. Pure in-memory state; the lanes rebuild it from the journal at start.
 */
export class Occupancy {
  private readonly zones = new Map<string, ZoneState>();

  constructor(private readonly policyOf: (zoneId: string) => OccupancyPolicy) {}

  entry(zoneId: string, at: number, person: Person): void {
    const z = this.zone(zoneId);
    const key = keyOf(person);
    if (key === undefined) insertSorted(z.anonymous, at);
    else z.inside.set(key, Math.max(at, z.inside.get(key) ?? at));
  }

  exit(zoneId: string, at: number, person: Person): void {
    const z = this.zone(zoneId);
    const key = keyOf(person);
    if (key !== undefined) {
      if (z.inside.has(key)) z.inside.delete(key);
      return;
    }
    const since = this.countedSince(zoneId, at).anonymous;
    const i = z.anonymous.findIndex((t) => t > since && t <= at);
    if (i >= 0) z.anonymous.splice(i, 1);
  }

  /** The desk says `count` people are inside at `at`. */
  correct(zoneId: string, at: number, count: number): void {
    const z = this.zone(zoneId);
    const live = this.live(zoneId, at);
    const excess = live.length - Math.max(0, Math.floor(count));
    if (excess < 0) for (let i = 0; i < -excess; i++) insertSorted(z.anonymous, at);
    for (const gone of live.sort((a, b) => a.at - b.at).slice(0, Math.max(0, excess))) {
      if (gone.key === undefined) z.anonymous.splice(z.anonymous.indexOf(gone.at), 1);
      else z.inside.delete(gone.key);
    }
  }

  zoneIds(): string[] {
    return [...this.zones.keys()];
  }

  count(zoneId: string, now: number): number {
    return this.live(zoneId, now).length;
  }

  /** Members counted inside now, with the time of their entry (the desk's member card). */
  memberEntry(zoneId: string, memberId: string, now: number): number | undefined {
    const at = this.zones.get(zoneId)?.inside.get(`m:${memberId}`);
    return at !== undefined && at > this.countedSince(zoneId, now).member ? at : undefined;
  }

  /** Forgets entries that can no longer count (called now and then; counts never depend on it). */
  prune(now: number): void {
    for (const [zoneId, z] of this.zones) {
      const since = this.countedSince(zoneId, now);
      for (const [key, at] of z.inside) if (at <= since.member) z.inside.delete(key);
      z.anonymous = z.anonymous.filter((t) => t > since.anonymous);
    }
  }

  private live(zoneId: string, now: number): { key: string | undefined; at: number }[] {
    const z = this.zones.get(zoneId);
    if (z === undefined) return [];
    const since = this.countedSince(zoneId, now);
    const out: { key: string | undefined; at: number }[] = [];
    for (const [key, at] of z.inside) if (at > since.member) out.push({ key, at });
    for (const at of z.anonymous) if (at > since.anonymous) out.push({ key: undefined, at });
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
    if (z === undefined) this.zones.set(zoneId, (z = { inside: new Map(), anonymous: [] }));
    return z;
  }
}

function insertSorted(list: number[], at: number): void {
  let i = list.length;
  while (i > 0 && (list[i - 1] as number) > at) i--;
  list.splice(i, 0, at);
}
