import { describe, expect, it } from 'vitest';
import { nextPassage, PASSAGE_TABLE, type PassageEvent, type PassageState } from './passage.ts';

type Step = [PassageEvent['type'], PassageState, string[]];

function run(steps: Step[]): void {
  let state: PassageState = 'idle';
  for (const [event, next, effects] of steps) {
    const t = nextPassage(state, { type: event });
    expect(t, `${state} + ${event}`).toBeDefined();
    expect(t?.next).toBe(next);
    expect(t?.effects).toEqual(effects);
    state = next;
  }
}

describe('passage table scenarios', () => {
  it('pulse mode: open, unlocked, pulse ends, person passes (early close)', () =>
    run([
      ['open', 'unlocking', ['relay-on']],
      ['unlocked', 'open', ['start-timers']],
      ['pulse-elapsed', 'open', ['relay-off']],
      ['pass', 'idle', ['stop-timers', 'relay-off', 'resolve-passed']],
    ]));

  it('nobody passes within the window: not passed', () =>
    run([
      ['open', 'unlocking', ['relay-on']],
      ['unlocked', 'open', ['start-timers']],
      ['window-elapsed', 'idle', ['relay-off', 'resolve-not-passed']],
    ]));

  it('a second PASS after the confirmed one is a forced passage (tailgating)', () =>
    run([
      ['open', 'unlocking', ['relay-on']],
      ['unlocked', 'open', ['start-timers']],
      ['pass', 'idle', ['stop-timers', 'relay-off', 'resolve-passed']],
      ['pass', 'idle', ['report-forced-passage']],
    ]));

  it('PASS before the relay write is acknowledged still counts, and the relay is released', () =>
    run([
      ['open', 'unlocking', ['relay-on']],
      ['pass', 'unlocking-passed', []],
      ['unlocked', 'idle', ['relay-off', 'resolve-passed']],
    ]));

  it('a second open while one is pending is refused as busy', () =>
    run([
      ['open', 'unlocking', ['relay-on']],
      ['open', 'unlocking', ['refuse-busy']],
      ['unlocked', 'open', ['start-timers']],
      ['open', 'open', ['refuse-busy']],
    ]));

  it('abort (fire alarm, module silent) while open: not passed, relay released', () =>
    run([
      ['open', 'unlocking', ['relay-on']],
      ['unlocked', 'open', ['start-timers']],
      ['abort', 'idle', ['stop-timers', 'relay-off', 'resolve-not-passed']],
    ]));

  it('abort during the unlock write, then the write lands: the relay is released', () =>
    run([
      ['open', 'unlocking', ['relay-on']],
      ['abort', 'idle', ['resolve-not-passed']],
      ['unlocked', 'idle', ['relay-off']],
    ]));

  it('unlock write failed: not passed', () =>
    run([
      ['open', 'unlocking', ['relay-on']],
      ['unlock-failed', 'idle', ['relay-off', 'resolve-not-passed']],
    ]));
});

describe('passage table', () => {
  it('every pending state resolves its caller exactly once on every way out', () => {
    for (const state of ['unlocking', 'unlocking-passed', 'open'] as const) {
      for (const [event, t] of Object.entries(PASSAGE_TABLE[state])) {
        const resolves = t.effects.filter((e) => e.startsWith('resolve-')).length;
        expect(resolves, `${state} + ${event}`).toBe(t.next === 'idle' ? 1 : 0);
      }
    }
  });

  it('timer events are not allowed where no timer runs (the driver reports them as bugs)', () => {
    expect(nextPassage('idle', { type: 'window-elapsed' })).toBeUndefined();
    expect(nextPassage('idle', { type: 'pulse-elapsed' })).toBeUndefined();
    expect(nextPassage('unlocking', { type: 'window-elapsed' })).toBeUndefined();
  });
});
