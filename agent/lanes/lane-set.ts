import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { Direction, Turnstile } from '../devices/turnstile-port.ts';
import type { EmergencyChange, EmergencyState } from './emergency.ts';
import { LaneError } from './errors.ts';
import type { Lane, ManualOpenResult } from './lane.ts';
import type { PassageMemory } from './passage-memory.ts';

export interface LaneSetDeps {
  readonly lanes: readonly Lane[];
  readonly turnstiles: readonly Turnstile[];
  readonly emergency: EmergencyState;
  readonly memory: PassageMemory;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The box's lanes as the front desk and remote commands see them: manual open by lane,
 * the emergency switches (journaled like any pass), occupancy per zone.
 */
export class LaneSet {
  private readonly byId = new Map<string, Lane>();
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

  manualOpen(laneId: string, operator: string, reason: string, direction?: Direction): Promise<ManualOpenResult> {
    return this.lane(laneId).manualOpen(operator, reason, direction);
  }

  setLockdown(on: boolean, operator: string): void {
    this.deps.emergency.setLockdown(on, operator);
  }

  setFireAlarm(on: boolean, operator: string): void {
    this.deps.emergency.setFireAlarm('front-desk', on, operator);
  }

  occupancy(zoneId: string): number {
    return this.deps.memory.occupancyOf(zoneId);
  }

  private onEmergency(change: EmergencyChange): void {
    for (const t of this.deps.turnstiles) t.setLockdown(change.mode === 'lockdown');
    this.deps.logger.warn({ mode: change.mode, previous: change.previous, source: change.source, operator: change.operator }, 'emergency mode changed');
    for (const lane of this.byId.values()) lane.recordEmergencySwitch(change);
  }
}
