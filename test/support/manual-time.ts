import type { ManualClock } from '../../platform/clock.ts';

/**
 * Advances a ManualClock in steps, letting real I/O (MockTransport deliveries, pty and
 * socket reads) happen between steps: driver timers are fake, the bytes are real.
 */
export async function runFor(clock: ManualClock, ms: number, stepMs = 5): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(stepMs);
    await new Promise<void>((r) => setTimeout(r, 0));
    await new Promise<void>((r) => setImmediate(r));
  }
}

/** Advances until `done()` holds or `maxMs` of fake time passed; returns whether it holds. */
export async function runUntil(clock: ManualClock, done: () => boolean, maxMs = 60_000, stepMs = 5): Promise<boolean> {
  for (let t = 0; t < maxMs && !done(); t += stepMs) await runFor(clock, stepMs, stepMs);
  return done();
}
