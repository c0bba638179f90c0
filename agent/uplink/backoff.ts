/**
 * Exponential backoff with full jitter: the n-th retry waits a uniform random time in
 * [0, min(cap, base * 2^n)]. After a fleet restart, 10,000 boxes that lost their connection
 * at the same instant spread their reconnects over the whole window instead of arriving
 * together (and again together at each doubling, as plain exponential backoff would).
 * The cap is kept low (DEFAULT_BACKOFF: 20 s) so that a box whose network returns delivers
 * its backlog within seconds; the fleet's admission control (CONNACK 3 when busy) is what
 * bounds a storm, not a long blind window on each box.
 */
export const DEFAULT_BACKOFF = { baseMs: 500, capMs: 20_000, stableMs: 10_000 } as const;

export interface BackoffOptions {
  readonly baseMs: number;
  readonly capMs: number;
  /** In [0, 1); injected so tests are deterministic. */
  readonly random: () => number;
}

export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt; each call widens the window up to the cap. */
  next(): number {
    const { baseMs, capMs, random } = this.options;
    const window = Math.min(capMs, baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.floor(random() * window);
  }

  /** The link proved stable: the next loss starts again from the smallest window. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
