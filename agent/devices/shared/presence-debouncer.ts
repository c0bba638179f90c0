import type { Clock, TimerHandle } from '../../../platform/clock.ts';

/** A timer later than a quarter of the window means the process was stalled, not just busy. */
const STALLED_FRACTION = 4;

/**
 * "Deliver a card once per presentation": readers repeat what they read while a card stays in
 * the field. A sighting is a new presentation unless the same key was seen less than
 * `absenceMs` ago; every sighting restarts that window, so a held card stays one presentation
 * and the card counts as gone after `absenceMs` without a sighting.
 */
export class PresenceDebouncer {
  private present: string | undefined;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly absenceMs: number,
  ) {}

  /** True when this sighting starts a new presentation (the caller delivers it). */
  seen(key: string): boolean {
    const isNew = key !== this.present;
    this.present = key;
    this.arm(this.absenceMs, true);
    return isNew;
  }

  private arm(ms: number, mayWait: boolean): void {
    this.clock.clearTimeout(this.timer);
    const due = this.clock.monotonic() + ms;
    this.timer = this.clock.setTimeout(() => {
      // Fired late: the process was stalled (load, a GC pause), and the frames the reader kept
      // sending meanwhile still wait in the serial buffer, behind this timer. The window starts
      // again from now, so the card counts as gone only after a full window in which frames
      // could be read; a card held through a stall was otherwise delivered twice (seen at a
      // load of 20 on two cores). Once only: a process that is always late still sees removals.
      if (mayWait && this.clock.monotonic() - due > this.absenceMs / STALLED_FRACTION) return this.arm(this.absenceMs, false);
      this.present = undefined;
      this.timer = undefined;
    }, ms);
  }

  reset(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.present = undefined;
  }
}
