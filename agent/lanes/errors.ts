/** The lanes' coded errors (one catalog per area). */
export type LaneErrorCode =
  /** A (state, event) pair the transition table marks impossible: a bug in the agent. */
  | 'LANE_UNHANDLED_TRANSITION'
  /** A front-desk or remote command named a lane the box does not have. */
  | 'LANE_UNKNOWN'
  /** A lane was built with a reader or turnstile it was not given. */
  | 'LANE_MISCONFIGURED';

export class LaneError extends Error {
  override readonly name = 'LaneError';
  constructor(
    readonly code: LaneErrorCode,
    message: string,
  ) {
    super(message);
  }
}
