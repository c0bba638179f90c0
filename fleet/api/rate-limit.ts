import type { Clock } from '../../platform/clock.ts';

export interface RateLimitOptions {
  /** Requests allowed per key and window. */
  perKey: number;
  /** Requests allowed for all keys together per window (slows distributed guessing). */
  total: number;
  windowMs: number;
  /** Keys tracked at most; beyond, the oldest window is dropped (bounded memory). */
  maxKeys?: number;
}

/** Fixed-window counters per key (client IP) plus a global one; time from the injected clock. */
export class RateLimiter {
  private windowStart = 0;
  private totalCount = 0;
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly opts: RateLimitOptions,
  ) {}

  /** Counts one request; false when it is over a limit (and then it does not count). */
  take(key: string): boolean {
    const now = this.clock.monotonic();
    if (now - this.windowStart >= this.opts.windowMs) {
      this.windowStart = now;
      this.totalCount = 0;
      this.counts.clear();
    }
    const n = this.counts.get(key) ?? 0;
    if (n >= this.opts.perKey || this.totalCount >= this.opts.total) return false;
    if (n === 0 && this.counts.size >= (this.opts.maxKeys ?? 10_000)) {
      const oldest = this.counts.keys().next().value;
      if (oldest !== undefined) this.counts.delete(oldest);
    }
    this.counts.set(key, n + 1);
    this.totalCount++;
    return true;
  }

  /** Milliseconds until the current window ends (for Retry-After). */
  retryAfterMs(): number {
    return Math.max(0, this.opts.windowMs - (this.clock.monotonic() - this.windowStart));
  }
}
