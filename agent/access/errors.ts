import type { CodedError } from '../../protocol/core/result.ts';

/**
 * Coded errors of the rights store. On RIGHTS_BASE_MISMATCH or RIGHTS_STALE_VERSION the
 * caller asks the fleet for a full snapshot (resync); nothing was changed.
 */
export type RightsErrorCode =
  /** A delta whose baseVersion is not the current version. */
  | 'RIGHTS_BASE_MISMATCH'
  /** A snapshot older than the current version, or a delta not moving forward. */
  | 'RIGHTS_STALE_VERSION'
  /** The payload breaks an integrity rule (unknown member, duplicate credential, bad field). */
  | 'RIGHTS_INVALID'
  /** SQLite failed (disk full, I/O); the previous version is intact. */
  | 'RIGHTS_STORAGE';

export type RightsError = CodedError<RightsErrorCode>;

export function rightsError(code: RightsErrorCode, message: string, detail?: unknown): RightsError {
  return detail === undefined ? { code, message } : { code, message, detail };
}
