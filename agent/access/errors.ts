import type { CodedError } from '../../protocol/core/result.ts';

/**
 * Coded errors of the rights store. On RIGHTS_BASE_MISMATCH (and RIGHTS_WRONG_CLUB) the caller
 * asks the fleet for a full snapshot (`rights/request`, reason `gap`); on any error nothing
 * was changed.
 */
export type RightsErrorCode =
  /** A delta whose baseVersion is not the current version. */
  | 'RIGHTS_BASE_MISMATCH'
  /** A snapshot older than the current version, or a delta not moving forward. */
  | 'RIGHTS_STALE_VERSION'
  /** A delta for another club than the store's snapshot. */
  | 'RIGHTS_WRONG_CLUB'
  /** The payload breaks an integrity rule (unknown member, duplicate credential, bad field). */
  | 'RIGHTS_INVALID'
  /** SQLite failed (disk full, I/O); the previous version is intact. */
  | 'RIGHTS_STORAGE';

export type RightsError = CodedError<RightsErrorCode>;

export function rightsError(code: RightsErrorCode, message: string, detail?: unknown): RightsError {
  return detail === undefined ? { code, message } : { code, message, detail };
}
