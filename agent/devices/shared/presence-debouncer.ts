import type { Clock, TimerHandle } from '../../../platform/clock.ts';

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
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.present = undefined;
      this.timer = undefined;
    }, this.absenceMs);
    return isNew;
  }

  reset(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.present = undefined;
  }
}
