import type { Pass } from '../../protocol/mqtt/schemas/passes.ts';

/**
 * The journal stores exactly the contract's Pass (protocol/mqtt/schemas/passes.ts), so the
 * uplink publishes rows as they are. Every outcome is one row: granted and passed, granted
 * not passed, denied (with the reason code), manual open, emergency, forced passage.
 */
export type { Pass };

/** A pass before the journal gave it its sequence number (assigned by the commit). */
export type PassRecord = Omit<Pass, 'seq'>;
