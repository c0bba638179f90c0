import { systemClock, type Clock } from '../../platform/clock.ts';

/**
 * Real timers and monotonic time, but a wall clock that starts at `epochMs`: integration
 * tests need real time to pass (journal group commit, child processes) at a fixed date
 * (opening hours, validity dates of the rights fixtures).
 */
export function shiftedClock(epochMs: number): Clock {
  const offset = epochMs - Date.now();
  return { ...systemClock, now: () => Math.round(Date.now() + offset) };
}
