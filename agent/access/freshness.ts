import type { Clock } from '../../platform/clock.ts';
import type { RightsExpiredPolicy } from './types.ts';

export interface RightsFreshnessOptions {
  readonly clock: Clock;
  /** `offline.rightsMaxAgeHours`, in ms. */
  readonly maxAgeMs: number;
  /** `offline.whenRightsExpired`. */
  readonly policy: RightsExpiredPolicy;
  /** Epoch ms of the last applied rights version (RightsStore.status().appliedAt), null if none. */
  readonly appliedAt: () => number | null;
}

/**
 * Whether the rights the lanes decide with are too old (the offline policy). They are fresh
 * while the uplink is connected (the fleet pushes every change as a delta); once it is not,
 * their age counts from the later of the last applied version and the last fleet contact.
 * Contact is kept in memory: after a restart without the fleet, the age counts from the
 * last applied version, which can only make the limit come earlier, never later.
 */
export class RightsFreshness {
  private connected = false;
  private lastContactAt: number | null = null;

  constructor(private readonly o: RightsFreshnessOptions) {}

  /** The uplink's session to the fleet came up (true) or went down (false). */
  fleetContact(connected: boolean): void {
    this.connected = connected;
    this.lastContactAt = this.o.clock.now();
  }

  /** The policy to apply now, or undefined while the rights are within their age limit. */
  expired(): RightsExpiredPolicy | undefined {
    if (this.connected) return undefined;
    const applied = this.o.appliedAt();
    // No rights yet: every credential is unknown anyway.
    if (applied === null) return undefined;
    const since = Math.max(applied, this.lastContactAt ?? applied);
    return this.o.clock.now() - since > this.o.maxAgeMs ? this.o.policy : undefined;
  }
}
