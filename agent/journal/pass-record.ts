import type { Pass } from '../../protocol/mqtt/schemas/passes.ts';

/**
 * The journal stores exactly the contract's Pass (protocol/mqtt/schemas/passes.ts), so the
 * uplink publishes rows as they are. Every outcome is one row: granted and passed, granted
 * not passed, denied (with the reason code), manual open, emergency, forced passage.
 */
export type { Pass };

/** A pass before the journal gave it its sequence number (assigned by the commit). */
export type PassRecord = Omit<Pass, 'seq'>;

/**
 * What a row keeps for the box alone, next to the contract's Pass: what the lanes need to
 * rebuild their memory after a restart (agent/lanes/passage-memory.ts replay).
 */
export interface LocalFacts {
  /** The nonce of the signed QR token a confirmed passage used (a replayed token stays refused). */
  readonly qrNonce?: string;
  /** Manual and emergency passages: the turnstile confirmed that someone went through. */
  readonly confirmed?: boolean;
}

/** A stored row with its local facts (start-up replay). */
export interface StoredPass {
  readonly pass: Pass;
  readonly local: LocalFacts;
}

/**
 * A front-desk correction of a zone's occupancy ("there are 12 people inside"), kept in the
 * journal file beside the passes (never published: the fleet counts passes, not people) and
 * replayed at start with them.
 */
export interface OccupancyCorrection {
  readonly ts: number;
  readonly zoneId: string;
  readonly count: number;
  readonly operator: string;
  readonly reason: string;
}
