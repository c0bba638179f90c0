import type { ContractErrorCode } from '../../protocol/mqtt/index.ts';

/**
 * Ingest's coded errors: every contract decode error, plus what can go wrong after a
 * payload decoded. Each rejected message is logged with its code and counted; none
 * stops ingestion.
 */
export type IngestErrorCode =
  | ContractErrorCode
  | 'INGEST_UNKNOWN_BOX' // topic names a box the store does not know
  | 'INGEST_STORE_FAILED' // the store refused or failed the write: nothing acknowledged, the box re-sends
  | 'INGEST_ACK_FAILED' // stored, but publishing passes/ack failed: the box re-sends, stored once
  | 'INGEST_RELAY_FAILED'; // stored and acknowledged, but relaying the passages to the club's other boxes failed (logged)

export interface IngestStats {
  /** Messages handled successfully, by topic kind. */
  readonly accepted: Record<string, number>;
  /** Messages rejected, by error code. */
  readonly rejected: Partial<Record<IngestErrorCode, number>>;
  passesStored: number;
  passesDuplicate: number;
}

export function emptyIngestStats(): IngestStats {
  return { accepted: {}, rejected: {}, passesStored: 0, passesDuplicate: 0 };
}
