import type { Decision, DecisionState, Direction, PassRecord, RightsExpiredPolicy, RightsView } from '../access/index.ts';
import type { StoredPass } from '../journal/pass-record.ts';

/** How long confirmed passes are remembered for anti-passback, re-entry delay and daily quotas. */
export const RETAIN_MS = 48 * 3600_000;

/**
 * What the lanes remember of confirmed passages, handed to decide() as its DecisionState:
 * occupancy per zone (entries minus exits, never below zero), the last pass per member,
 * recent entries, used QR nonces. Only confirmed passages are recorded: a person who
 * walked away keeps their visit and their anti-passback state.
 *
 * The maps are shared with decide() as read-only views (decide() is pure and never writes);
 * they change only between decisions, on the single event loop.
 */
export class PassageMemory {
  private readonly occupancy = new Map<string, number>();
  private readonly lastPass = new Map<string, Map<string, PassRecord>>();
  private readonly recentEntries = new Map<string, Map<string, number[]>>();
  private readonly usedQrNonces = new Set<string>();
  private readonly nonceUsedAt = new Map<string, number>();

  /** `rightsExpired`: the offline policy to apply now, undefined while the rights are fresh (RightsFreshness). */
  constructor(
    private readonly rights: () => RightsView,
    private readonly rightsExpired: () => RightsExpiredPolicy | undefined = () => undefined,
  ) {}

  state(): DecisionState {
    const expired = this.rightsExpired();
    return {
      rights: this.rights(),
      occupancy: this.occupancy,
      lastPass: this.lastPass,
      recentEntries: this.recentEntries,
      usedQrNonces: this.usedQrNonces,
      ...(expired === undefined ? {} : { rightsExpired: expired }),
    };
  }

  occupancyOf(zoneId: string): number {
    return this.occupancy.get(zoneId) ?? 0;
  }

  /** A confirmed passage (any origin, forced ones included: a person went through). */
  recordPassage(zoneId: string, direction: Direction, at: number, decision?: Decision): void {
    const inside = this.occupancyOf(zoneId) + (direction === 'in' ? 1 : -1);
    this.occupancy.set(zoneId, Math.max(0, inside));
    if (!decision) return;
    const memberId = decision.memberId;
    if (memberId !== undefined) {
      this.memberMap(this.lastPass, zoneId).set(memberId, { at, direction });
      if (direction === 'in') {
        const entries = this.memberMap(this.recentEntries, zoneId);
        entries.set(memberId, [...(entries.get(memberId) ?? []).filter((t) => t > at - RETAIN_MS), at]);
      }
    }
    if (decision.qrNonce !== undefined) {
      this.usedQrNonces.add(decision.qrNonce);
      this.nonceUsedAt.set(decision.qrNonce, at);
    }
    this.forgetBefore(at - RETAIN_MS);
  }

  /**
   * Rebuilds the memory from journal rows (in seq order) at start, so a restart does not
   * reset occupancy, anti-passback, daily counts or used QR tokens. Replayed: confirmed
   * credential passages (with the QR nonce their row keeps locally), forced passages, and
   * manual and emergency passages the turnstile confirmed (their local `confirmed` fact;
   * mode-switch rows and unconfirmed opens have none).
   */
  replay(rows: readonly StoredPass[], zoneOfLane: (laneId: string) => string | undefined): number {
    let replayed = 0;
    for (const { pass: p, local } of rows) {
      const zone = zoneOfLane(p.laneId);
      const confirmedOpen = (p.outcome === 'manual' || p.outcome === 'emergency') && local.confirmed === true;
      if (zone === undefined || (p.outcome !== 'passed' && p.outcome !== 'forced' && !confirmedOpen)) continue;
      const decision: Decision | undefined =
        p.outcome === 'passed' && (p.memberId !== null || local.qrNonce !== undefined)
          ? {
              granted: true,
              reason: 'granted',
              message: '',
              rightsVersion: p.rightsVersion ?? 0,
              ...(p.memberId === null ? {} : { memberId: p.memberId }),
              ...(local.qrNonce === undefined ? {} : { qrNonce: local.qrNonce }),
            }
          : undefined;
      this.recordPassage(zone, p.direction, p.ts, decision);
      replayed++;
    }
    return replayed;
  }

  private memberMap<V>(byZone: Map<string, Map<string, V>>, zoneId: string): Map<string, V> {
    let m = byZone.get(zoneId);
    if (!m) byZone.set(zoneId, (m = new Map()));
    return m;
  }

  private forgetBefore(limit: number): void {
    for (const [nonce, at] of this.nonceUsedAt) {
      if (at >= limit) break; // insertion order is time order
      this.nonceUsedAt.delete(nonce);
      this.usedQrNonces.delete(nonce);
    }
  }
}
