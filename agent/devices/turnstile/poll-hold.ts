import type { Clock } from '../../../platform/clock.ts';

/** The longest a hold may delay a status poll past its due time: noise on a reader line cannot starve the inputs. */
export const MAX_POLL_HOLD_MS = 30;

/**
 * Keeps status polls off the half-duplex bus while a reader frame arrives
 * (`Turnstile.holdPolls`), so that the unlock it may lead to finds the bus free. A poll is
 * delayed at most MAX_POLL_HOLD_MS past its due time, however often the hold is renewed.
 */
export class PollHold {
  /** Clock.monotonic() before which no status poll starts. */
  private heldUntil = Number.NEGATIVE_INFINITY;
  /** When the poll now waiting was first due. */
  private dueAt: number | undefined;

  constructor(private readonly clock: Clock) {}

  reset(): void {
    this.heldUntil = Number.NEGATIVE_INFINITY;
    this.dueAt = undefined;
  }

  hold(ms: number): void {
    this.heldUntil = Math.max(this.heldUntil, this.clock.monotonic() + Math.min(Math.max(ms, 0), MAX_POLL_HOLD_MS));
  }

  /** A poll is due: how long it must still wait (0: it may go now). */
  wait(): number {
    const now = this.clock.monotonic();
    this.dueAt ??= now;
    const until = Math.min(this.heldUntil, this.dueAt + MAX_POLL_HOLD_MS);
    if (until > now) return until - now;
    this.dueAt = undefined;
    return 0;
  }

  get active(): boolean {
    return this.clock.monotonic() < this.heldUntil;
  }
}
