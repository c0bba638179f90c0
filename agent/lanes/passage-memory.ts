import type { KeyObject } from 'node:crypto';
import type { Decision, DecisionState, Direction, PassRecord, RightsExpiredPolicy, RightsView } from '../access/index.ts';
import type { StoredRelayedPassage } from '../journal/journal-history.ts';
import type { OccupancyCorrection, StoredPass } from '../journal/pass-record.ts';
import { DEFAULT_OCCUPANCY, Occupancy, type OccupancyPolicy, type Person } from './occupancy.ts';

/** How long confirmed passes are remembered for anti-passback, re-entry delay and daily quotas. */
export const RETAIN_MS = 48 * 3600_000;

/**
 * What the lanes remember of confirmed passages, handed to decide() as its DecisionState:
 * occupancy per zone (people inside, occupancy.ts), the last pass per member, recent
 * entries, used QR nonces and ticket ids. Only confirmed passages are recorded: a person who
 * walked away keeps their visit and their anti-passback state.
 *
 * The maps are shared with decide() as read-only views (decide() is pure and never writes);
 * they change only between decisions, on the single event loop.
 */
export class PassageMemory {
  private readonly occupancy: Occupancy;
  private readonly lastPass = new Map<string, Map<string, PassRecord>>();
  private readonly recentEntries = new Map<string, Map<string, number[]>>();
  private readonly usedQrNonces = new Set<string>();
  private readonly nonceUsedAt = new Map<string, number>();
  /** (origin box, seq) of the relayed passages counted, with their time: each counts once. */
  private readonly relayedSeen = new Map<string, number>();

  /** `rightsExpired`: the offline policy to apply now, undefined while the rights are fresh (RightsFreshness). */
  constructor(
    private readonly rights: () => RightsView,
    private readonly rightsExpired: () => RightsExpiredPolicy | undefined = () => undefined,
    occupancyPolicy: (zoneId: string) => OccupancyPolicy = () => ({ ...DEFAULT_OCCUPANCY, timeZone: 'UTC' }),
    /** This box's own ticket keys: the tickets it prints are good before the fleet publishes the key. */
    private readonly ownTicketKeys: ReadonlyMap<string, KeyObject> = new Map(),
  ) {
    this.occupancy = new Occupancy(occupancyPolicy);
  }

  /** The facts decide() takes at `now` (occupancy is counted at that instant). */
  state(now: number): DecisionState {
    const expired = this.rightsExpired();
    return {
      rights: this.rights(),
      occupancy: this.occupancyAt(now),
      lastPass: this.lastPass,
      recentEntries: this.recentEntries,
      usedQrNonces: this.usedQrNonces,
      ownTicketKeys: this.ownTicketKeys,
      ...(expired === undefined ? {} : { rightsExpired: expired }),
    };
  }

  occupancyOf(zoneId: string, now: number): number {
    return this.occupancy.count(zoneId, now);
  }

  /** When the member's counted stay in the zone began, if they are counted inside now. */
  insideSince(zoneId: string, memberId: string, now: number): number | undefined {
    return this.occupancy.memberEntry(zoneId, memberId, now);
  }

  /** A desk correction of the figure (journaled by the caller). */
  correctOccupancy(c: OccupancyCorrection): void {
    this.occupancy.correct(c.zoneId, c.ts, c.count);
  }

  /**
   * A confirmed passage (any origin, forced ones included: a person went through). `member`
   * names who staff let through on a manual open tied to a member.
   */
  recordPassage(zoneId: string, direction: Direction, at: number, decision?: Decision, member?: string): void {
    const person: Person = decision?.memberId !== undefined ? { member: decision.memberId } : decision?.ticket !== undefined ? { ticket: decision.ticket.id } : member !== undefined ? { member } : undefined;
    if (direction === 'in') this.occupancy.entry(zoneId, at, person);
    else this.occupancy.exit(zoneId, at, person);
    this.occupancy.prune(at);
    const memberId = decision?.memberId ?? member;
    if (memberId !== undefined) this.memberMap(this.lastPass, zoneId).set(memberId, { at, direction });
    if (!decision) return this.forgetBefore(at - RETAIN_MS);
    if (decision.memberId !== undefined && direction === 'in') {
      const entries = this.memberMap(this.recentEntries, zoneId);
      entries.set(decision.memberId, [...(entries.get(decision.memberId) ?? []).filter((t) => t > at - RETAIN_MS), at]);
    }
    if (decision.qrNonce !== undefined) this.markUsed(decision.qrNonce, at);
    this.forgetBefore(at - RETAIN_MS);
  }

  /**
   * A confirmed passage of another box of the club (relayed by the fleet): counted in the
   * zone's occupancy with the box's own, in passage time order, once per (origin box, seq).
   * A printed ticket that went in at another box is used here too, so a day pass admits once
   * per club (while the fleet relays; offline, each box can admit it once). Anti-passback and
   * quotas stay each box's own.
   */
  recordRelayed(p: StoredRelayedPassage): boolean {
    const key = `${p.originBoxId}\u0000${p.seq}`;
    if (this.relayedSeen.has(key)) return false;
    this.relayedSeen.set(key, p.ts);
    if (p.ticketId !== null && p.direction === 'in') this.markUsed(p.ticketId, p.ts);
    const person: Person = p.memberId !== null ? { member: p.memberId } : p.ticketId !== null ? { ticket: p.ticketId } : undefined;
    if (p.direction === 'in') this.occupancy.entry(p.zoneId, p.ts, person);
    else this.occupancy.exit(p.zoneId, p.ts, person);
    if (this.relayedSeen.size % 1024 === 0) for (const [k, at] of this.relayedSeen) if (at < p.ts - RETAIN_MS) this.relayedSeen.delete(k);
    return true;
  }

  /** Many relayed passages (a message, a catch-up, the replay at start): one refold of each zone at most. Returns how many were new. */
  recordRelayedMany(passages: readonly StoredRelayedPassage[]): number {
    let fresh = 0;
    this.occupancy.batch(() => {
      for (const p of passages) if (this.recordRelayed(p)) fresh++;
    });
    return fresh;
  }

  /**
   * Rebuilds the memory from journal rows (in seq order) and desk corrections at start, so a
   * restart does not reset occupancy, anti-passback, daily counts or used QR tokens and
   * tickets. Replayed: confirmed credential passages (with the QR nonce or ticket id their
   * row keeps locally), forced passages, and manual and emergency passages the turnstile
   * confirmed (their local `confirmed` fact; mode-switch rows and unconfirmed opens have
   * none), each correction at its place in time.
   */
  replay(rows: Iterable<StoredPass>, zoneOfLane: (laneId: string) => string | undefined, corrections: readonly OccupancyCorrection[] = []): number {
    let replayed = 0;
    let next = 0;
    const correctUpTo = (ts: number) => {
      for (; next < corrections.length && (corrections[next] as OccupancyCorrection).ts <= ts; next++) this.correctOccupancy(corrections[next] as OccupancyCorrection);
    };
    for (const { pass: p, local } of rows) {
      correctUpTo(p.ts);
      const zone = zoneOfLane(p.laneId);
      const confirmedOpen = (p.outcome === 'manual' || p.outcome === 'emergency') && local.confirmed === true;
      if (zone === undefined || (p.outcome !== 'passed' && p.outcome !== 'forced' && !confirmedOpen)) continue;
      const ticket = p.credential.kind === 'ticket' && local.qrNonce !== undefined ? { ticket: { id: local.qrNonce, kind: 'day' as const } } : {};
      const decision: Decision | undefined =
        p.outcome === 'passed' && (p.memberId !== null || local.qrNonce !== undefined)
          ? {
              granted: true,
              reason: 'granted',
              message: '',
              rightsVersion: p.rightsVersion ?? 0,
              ...(p.memberId === null ? {} : { memberId: p.memberId }),
              ...(local.qrNonce === undefined ? {} : { qrNonce: local.qrNonce }),
              ...ticket,
            }
          : undefined;
      this.recordPassage(zone, p.direction, p.ts, decision, decision === undefined ? (p.memberId ?? undefined) : undefined);
      replayed++;
    }
    correctUpTo(Number.POSITIVE_INFINITY);
    return replayed;
  }

  private occupancyAt(now: number): ReadonlyMap<string, number> {
    return new Map(this.occupancy.zoneIds().map((z) => [z, this.occupancy.count(z, now)]));
  }

  private memberMap<V>(byZone: Map<string, Map<string, V>>, zoneId: string): Map<string, V> {
    let m = byZone.get(zoneId);
    if (!m) byZone.set(zoneId, (m = new Map()));
    return m;
  }

  /** A QR token or printed ticket that went in at `at`: refused again until it is forgotten. */
  private markUsed(nonce: string, at: number): void {
    this.usedQrNonces.add(nonce);
    this.nonceUsedAt.set(nonce, Math.max(at, this.nonceUsedAt.get(nonce) ?? at));
  }

  private forgetBefore(limit: number): void {
    for (const [nonce, at] of this.nonceUsedAt) {
      if (at >= limit) break; // insertion order is time order
      this.nonceUsedAt.delete(nonce);
      this.usedQrNonces.delete(nonce);
    }
  }
}
