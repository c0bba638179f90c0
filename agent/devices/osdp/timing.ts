/** The control panel's timing (docs/osdp.md explains each default). */
export interface OsdpTiming {
  /** How long to wait for a reply (OSDP: 200 ms). */
  readonly replyTimeoutMs: number;
  /** Pause between two polls of the same reader. */
  readonly pollIntervalMs: number;
  /** Consecutive exchanges without a valid reply before a reader is offline. */
  readonly offlineAfter: number;
  /** Consecutive failures (still below offlineAfter) that make a reader degraded. */
  readonly degradedAfter: number;
  /** How often an offline reader is probed. */
  readonly offlineProbeMs: number;
  /** Back-off before a failed secure channel set-up, or a reader that refused clear text, is tried again. */
  readonly secureRetryMs: number;
  /** Wait before resending a command the reader answered BUSY. */
  readonly busyRetryMs: number;
  /** Delay before reopening a lost transport. */
  readonly reopenMs: number;
  /** A half-typed PIN is forgotten after this long. */
  readonly pinTimeoutMs: number;
}

export const DEFAULT_OSDP_TIMING: OsdpTiming = {
  replyTimeoutMs: 200, pollIntervalMs: 50, offlineAfter: 8, degradedAfter: 3, offlineProbeMs: 1000,
  secureRetryMs: 5000, busyRetryMs: 50, reopenMs: 1000, pinTimeoutMs: 10_000,
};
