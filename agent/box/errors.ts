/** Why a box cannot be built or started (one catalog for the composition root). */
export type BoxErrorCode =
  /** A configured device kind has no driver in this agent build. */
  | 'BOX_NO_DRIVER'
  /** A driver factory refused its configuration (it says why). */
  | 'BOX_DRIVER_FAILED'
  /** The data directory or a store in it cannot be opened. */
  | 'BOX_STORAGE_FAILED'
  /** A driver returned a device of another kind than the lane needs. */
  | 'BOX_WRONG_DEVICE';

export interface BoxError {
  readonly code: BoxErrorCode;
  readonly message: string;
}

export function formatBoxError(e: BoxError): string {
  return `${e.code}: ${e.message}`;
}
