import type { Direction } from '../devices/turnstile-port.ts';

/**
 * What happened at a lane, as the journal stores it and the uplink publishes it.
 * Every outcome is one record: granted and passed, granted not passed, denied (with the
 * reason code), manual open, emergency, forced passage.
 */
export type PassKind = 'passed' | 'not-passed' | 'denied' | 'manual' | 'emergency' | 'forced';

export interface PassRecord {
  readonly kind: PassKind;
  /** Wall-clock epoch ms of the outcome (the passage, the timeout, the refusal). */
  readonly at: number;
  /** The lane, or null for box-wide rows (emergency mode switched on/off). */
  readonly laneId: string | null;
  readonly direction: Direction | null;
  readonly zone: string | null;
  /** True only when the turnstile confirmed that someone went through. */
  readonly passed: boolean;
  /** Reason code of the decision or of the refusal (e.g. "granted", "unknown-credential", "lockdown"). */
  readonly reason: string;
  /** Truncated sha256 of the canonical credential (never the raw number); null when no credential. */
  readonly credentialHash: string | null;
  readonly memberId: string | null;
  /** Version of the rights snapshot the decision used; null when none was made. */
  readonly rightsVersion: string | null;
  /** Front-desk operator for manual opens and emergency switches. */
  readonly operator: string | null;
  /** Free text: the operator's reason for a manual open, the turnstile's refusal message. */
  readonly note: string | null;
}

/** A record as it sits in the journal: the monotonic per-box sequence number and the record. */
export interface JournalEntry {
  readonly seq: number;
  readonly pass: PassRecord;
}
