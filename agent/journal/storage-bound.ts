/** What the journal tells the box (health, events, logs) about its disk use. */
export type JournalAlert =
  /** Unsent rows passed the warning fraction of the bound: the uplink is not keeping up. */
  | { readonly kind: 'backlog-near-bound'; readonly unsent: number; readonly maxRows: number }
  /** The bound is reached and the rows over it are unsent: they are kept (never dropped), the disk grows. */
  | { readonly kind: 'bound-exceeded-unsent'; readonly unsent: number; readonly rows: number; readonly maxRows: number }
  /** The backlog fell back under the warning fraction. */
  | { readonly kind: 'backlog-cleared'; readonly unsent: number; readonly maxRows: number }
  /** A commit failed; the rows stay queued in memory and the commit is retried. */
  | { readonly kind: 'write-failed'; readonly code: string; readonly message: string; readonly queued: number };

export interface StorageLimits {
  readonly maxRows: number;
  readonly warnRatio: number;
}

/** Pruning goes below the bound by this fraction so that it runs in batches, not on every commit. */
const PRUNE_HEADROOM = 0.1;

/**
 * Keeps the journal under its row bound by pruning acknowledged rows only, and raises
 * edge-triggered alerts (once per crossing) about the unsent backlog.
 */
export class StorageBound {
  private warned = false;
  private overBound = false;

  constructor(
    private readonly limits: StorageLimits,
    private rows_: number,
    private readonly emit: (alert: JournalAlert) => void,
  ) {}

  get rows(): number {
    return this.rows_;
  }

  added(count: number): void {
    this.rows_ += count;
  }

  /** `prune(n)` deletes up to n of the oldest acknowledged rows and returns how many it deleted. */
  check(unsent: number, prune: (count: number) => number): void {
    const { maxRows, warnRatio } = this.limits;
    if (this.rows_ > maxRows) {
      const target = Math.floor(maxRows * (1 - PRUNE_HEADROOM));
      const prunable = this.rows_ - unsent;
      const count = Math.min(this.rows_ - target, prunable);
      if (count > 0) this.rows_ -= prune(count);
    }
    const over = this.rows_ > maxRows;
    if (over && !this.overBound) this.emit({ kind: 'bound-exceeded-unsent', unsent, rows: this.rows_, maxRows });
    this.overBound = over;
    const high = unsent >= maxRows * warnRatio;
    if (high && !this.warned) this.emit({ kind: 'backlog-near-bound', unsent, maxRows });
    if (!high && this.warned) this.emit({ kind: 'backlog-cleared', unsent, maxRows });
    this.warned = high;
  }
}
