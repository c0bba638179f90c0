import { describe, expect, it } from 'vitest';
import { ManualClock, type Clock } from '../../../platform/clock.ts';
import { PresenceDebouncer } from './presence-debouncer.ts';

describe('PresenceDebouncer', () => {
  it('takes repeats within the window as one presentation, however long the card stays', () => {
    const clock = new ManualClock();
    const d = new PresenceDebouncer(clock, 300);
    expect(d.seen('A')).toBe(true);
    for (let i = 0; i < 100; i++) {
      clock.advance(65);
      expect(d.seen('A')).toBe(false);
    }
  });

  it('takes the card as gone after the window without a sighting', () => {
    const clock = new ManualClock();
    const d = new PresenceDebouncer(clock, 300);
    d.seen('A');
    clock.advance(299);
    expect(d.seen('A')).toBe(false);
    clock.advance(300);
    expect(d.seen('A')).toBe(true);
  });

  it('takes another card as a new presentation, and the first one again after it', () => {
    const clock = new ManualClock();
    const d = new PresenceDebouncer(clock, 300);
    expect([d.seen('A'), d.seen('B'), d.seen('B'), d.seen('A')]).toEqual([true, true, false, true]);
  });

  it('forgets the present card on reset and leaves no timer behind', () => {
    const clock = new ManualClock();
    const d = new PresenceDebouncer(clock, 300);
    d.seen('A');
    d.reset();
    expect(clock.pendingTimers()).toBe(0);
    expect(d.seen('A')).toBe(true);
  });

  it('a late absence timer (a stalled process) first reads what arrived meanwhile: a card held through the stall stays one presentation', () => {
    const manual = new ManualClock();
    let lag = 0;
    // Timers fire `lag` ms after their due time, as in a process that was stalled.
    const clock: Clock = { now: () => manual.now(), monotonic: () => manual.monotonic() + lag, setTimeout: (f, ms) => manual.setTimeout(f, ms), clearTimeout: (t) => manual.clearTimeout(t), setInterval: (f, ms) => manual.setInterval(f, ms), clearInterval: (t) => manual.clearInterval(t) };
    const d = new PresenceDebouncer(clock, 300);
    d.seen('A');
    lag = 200;
    manual.advance(300);
    expect(d.seen('A')).toBe(false);
    lag = 0;
    manual.advance(300);
    expect(d.seen('A')).toBe(true);
    expect(manual.pendingTimers()).toBe(1);
  });
});
