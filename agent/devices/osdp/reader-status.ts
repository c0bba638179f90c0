import type { DeviceState, DeviceStatus } from '../device.ts';
import type { LinkPhase } from './link-phase.ts';
import type { Identity } from './pd-link.ts';

export interface LinkSnapshot {
  readonly address: number;
  readonly phase: LinkPhase;
  readonly failures: number;
  readonly secureChannel: boolean;
  readonly identity: Identity | undefined;
  readonly everOnline: boolean;
  /** The reader's tamper switch is open (LSTATR). */
  readonly tamper: boolean;
}

/**
 * A reader's DeviceState from its link: offline once declared so; degraded while its
 * secure channel cannot be set up, after `degradedAfter` failed tries in a row, while
 * its tamper switch is open, or while a reader that was online goes through set-up
 * again; starting before that.
 */
export function readerState(s: LinkSnapshot, degradedAfter: number): DeviceState {
  switch (s.phase) {
    case 'offline': return 'offline';
    case 'sc-failed': return 'degraded';
    case 'online': return s.failures >= degradedAfter || s.tamper ? 'degraded' : 'online';
    default: return s.everOnline ? 'degraded' : 'starting';
  }
}

export function readerDetail(s: LinkSnapshot): NonNullable<DeviceStatus['detail']> {
  const id = s.identity;
  return {
    address: s.address, phase: s.phase, secureChannel: s.secureChannel, tamper: s.tamper,
    vendor: id?.vendor ?? null, model: id?.model ?? null, serial: id?.serial ?? null, firmware: id?.firmware ?? null,
  };
}
