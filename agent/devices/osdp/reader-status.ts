import type { DeviceState, DeviceStatus } from '../device.ts';
import type { LinkPhase } from './link-phase.ts';
import type { Identity, SetupFailure } from './pd-link.ts';

export interface LinkSnapshot {
  readonly address: number;
  readonly phase: LinkPhase;
  readonly failures: number;
  /** A command was answered since the link entered the online phase. */
  readonly confirmed: boolean;
  readonly secureChannel: boolean;
  readonly setupFailure: SetupFailure | undefined;
  readonly identity: Identity | undefined;
  /** The reader's tamper switch is open (LSTATR). */
  readonly tamper: boolean;
}

/**
 * What the reader status says about an OSDP reader (closed set):
 * - starting: never online yet, being discovered or set up;
 * - online: answering its polls (over the secure channel when one is configured);
 * - degraded: online but failing tries in a row or with its tamper switch open, or
 *   setting up again after it was online;
 * - sc-required: it refuses clear-text commands (NAK 6) and no key is configured for it;
 * - key-mismatch: the secure channel cannot be set up, the reader holds another key;
 * - sc-unsupported: a key is configured but the reader has no secure channel;
 * - offline: no valid answer after repeated tries, or the bus link is lost.
 */
export type ReaderCondition = 'starting' | 'online' | 'degraded' | 'sc-required' | 'key-mismatch' | 'sc-unsupported' | 'offline';

/** What the link shows after an exchange (closed set), computed by `observe`. */
export type LinkObservation = 'healthy' | 'impaired' | 'setting-up' | 'sc-required' | 'key-mismatch' | 'sc-unsupported' | 'offline';

export function observe(s: LinkSnapshot, degradedAfter: number): LinkObservation {
  switch (s.phase) {
    case 'offline': return 'offline';
    case 'sc-required': return 'sc-required';
    case 'sc-failed': return s.setupFailure ?? 'key-mismatch';
    case 'online':
      if (s.failures >= degradedAfter || s.tamper) return 'impaired';
      return s.confirmed ? 'healthy' : 'setting-up';
    default: return 'setting-up';
  }
}

/**
 * The condition graph. Every observation but 'setting-up' names its condition; a set-up
 * keeps the condition it starts from, so a reader that is retried in the background
 * (refused key, clear text refused, a probe after offline) shows one state until the
 * outcome differs, and an online reader that sets up again is 'degraded'.
 */
const WHILE_SETTING_UP: Record<ReaderCondition, ReaderCondition> = {
  starting: 'starting',
  online: 'degraded',
  degraded: 'degraded',
  'sc-required': 'sc-required',
  'key-mismatch': 'key-mismatch',
  'sc-unsupported': 'sc-unsupported',
  offline: 'offline',
};

const NAMED: Record<Exclude<LinkObservation, 'setting-up'>, ReaderCondition> = {
  healthy: 'online',
  impaired: 'degraded',
  'sc-required': 'sc-required',
  'key-mismatch': 'key-mismatch',
  'sc-unsupported': 'sc-unsupported',
  offline: 'offline',
};

export function nextCondition(current: ReaderCondition, seen: LinkObservation): ReaderCondition {
  return seen === 'setting-up' ? WHILE_SETTING_UP[current] : NAMED[seen];
}

/** The DeviceState shared with every device kind: the three refusals are 'degraded' (reachable, not reading cards). */
export function deviceState(c: ReaderCondition): DeviceState {
  switch (c) {
    case 'starting':
    case 'online':
    case 'degraded':
    case 'offline': return c;
    case 'sc-required':
    case 'key-mismatch':
    case 'sc-unsupported': return 'degraded';
  }
}

/** `secureChannel` is true when the reader is online over the channel (not during a set-up). */
export function readerDetail(s: LinkSnapshot, condition: ReaderCondition): NonNullable<DeviceStatus['detail']> {
  const id = s.identity;
  return {
    address: s.address, condition, secureChannel: s.secureChannel && s.phase === 'online', tamper: s.tamper,
    vendor: id?.vendor ?? null, model: id?.model ?? null, serial: id?.serial ?? null, firmware: id?.firmware ?? null,
  };
}
