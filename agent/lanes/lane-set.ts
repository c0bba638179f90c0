import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { Direction, Turnstile } from '../devices/turnstile-port.ts';
import type { OccupancyRelayMessage } from '../../protocol/mqtt/index.ts';
import type { StoredRelayedPassage } from '../journal/journal-history.ts';
import type { OccupancyCorrection } from '../journal/pass-record.ts';
import type { EmergencyChange, EmergencyState } from './emergency.ts';
import { LaneError } from './errors.ts';
import type { Lane, ManualOpenResult } from './lane.ts';
import { RETAIN_MS, type PassageMemory } from './passage-memory.ts';

export interface LaneSetDeps {
  readonly lanes: readonly Lane[];
  readonly turnstiles: readonly Turnstile[];
  readonly emergency: EmergencyState;
  readonly memory: PassageMemory;
  /** Where desk corrections and relayed passages are kept (the journal file, journal-history.ts). */
  readonly journal: { recordCorrection(c: OccupancyCorrection): void; recordRelayed(m: OccupancyRelayMessage, forgetBefore: number): StoredRelayedPassage[] };
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The box's lanes as the front desk and remote commands see them: manual open by lane,
 * the emergency switches (journaled like any pass), occupancy per zone.
 */
export class LaneSet {
  private readonly byId = new Map<string, Lane>();
  private readonly relayListeners = new Set<() => void>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: LaneSetDeps) {
    for (const lane of deps.lanes) this.byId.set(lane.id, lane);
  }

  start(): void {
    this.unsubscribe = this.deps.emergency.onChange((change) => this.onEmergency(change));
    for (const lane of this.byId.values()) lane.start();
  }

  stop(): void {
    this.unsubscribe?.();
    for (const lane of this.byId.values()) lane.stop();
  }

  lane(id: string): Lane {
    const lane = this.byId.get(id);
    if (!lane) throw new LaneError('LANE_UNKNOWN', `no lane "${id}" on this box`);
    return lane;
  }

  manualOpen(laneId: string, operator: string, reason: string, direction?: Direction, memberId?: string): Promise<ManualOpenResult> {
    return this.lane(laneId).manualOpen(operator, reason, direction, memberId);
  }

  setLockdown(on: boolean, operator: string): void {
    this.deps.emergency.setLockdown(on, operator);
  }

  setFireAlarm(on: boolean, operator: string): void {
    this.deps.emergency.setFireAlarm('front-desk', on, operator);
  }

  /** People counted inside the zone now (occupancy.ts). */
  occupancy(zoneId: string): number {
    return this.deps.memory.occupancyOf(zoneId, this.deps.clock.now());
  }

  /** Since when the member is counted inside the zone, or undefined. */
  insideSince(zoneId: string, memberId: string): number | undefined {
    return this.deps.memory.insideSince(zoneId, memberId, this.deps.clock.now());
  }

  /** The desk's "there are `count` people inside": journaled first, then counted from. */
  correctOccupancy(zoneId: string, count: number, operator: string, reason: string): void {
    const correction = { ts: this.deps.clock.now(), zoneId, count, operator, reason };
    this.deps.journal.recordCorrection(correction);
    this.deps.memory.correctOccupancy(correction);
    this.deps.logger.info(correction, 'occupancy corrected at the desk');
  }

  /**
   * Passages of another box of the club, relayed by the fleet: stored first (so they survive
   * a restart, each once), then counted. Returns how many were new.
   */
  recordRelayed(m: OccupancyRelayMessage): number {
    const fresh = this.deps.journal.recordRelayed(m, this.deps.clock.now() - RETAIN_MS);
    for (const p of fresh) this.deps.memory.recordRelayed(p);
    if (fresh.length > 0) for (const listener of this.relayListeners) listener();
    return fresh.length;
  }

  /** Hears each relayed message that changed what is counted (the desk shows the figure at once). */
  onRelayed(listener: () => void): () => void {
    this.relayListeners.add(listener);
    return () => this.relayListeners.delete(listener);
  }

  private onEmergency(change: EmergencyChange): void {
    for (const t of this.deps.turnstiles) t.setLockdown(change.mode === 'lockdown');
    this.deps.logger.warn({ mode: change.mode, previous: change.previous, source: change.source, operator: change.operator }, 'emergency mode changed');
    for (const lane of this.byId.values()) lane.recordEmergencySwitch(change);
  }
}
