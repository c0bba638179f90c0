/**
 * One direction of a turnstile, from "open" to a known outcome: a pure transition table
 * (house rule 8). The driver turns events into calls of `nextPassage` and carries out the
 * effects; it owns no passage logic of its own.
 *
 * The rule for outcomes: `refused` only when no unlock was sent; once the unlock relay was
 * commanded, the outcome is `passed` (a PASS pulse was seen) or `not-passed` (anything else,
 * including a passage we can no longer confirm because the module went silent).
 */
export type PassageState =
  /** Nothing pending; a PASS pulse here is a passage nobody granted. */
  | 'idle'
  /** The unlock relay write is on the bus. */
  | 'unlocking'
  /** A PASS pulse arrived before the relay write was acknowledged (fast walker, slow bus). */
  | 'unlocking-passed'
  /** Unlocked; waiting for the PASS pulse or the end of the window. */
  | 'open';

export type PassageEvent =
  | { readonly type: 'open' }
  | { readonly type: 'unlocked' }
  | { readonly type: 'unlock-failed' }
  /** Pulse mode: the unlock pulse has lasted long enough. */
  | { readonly type: 'pulse-elapsed' }
  | { readonly type: 'pass' }
  | { readonly type: 'window-elapsed' }
  /** The fire alarm took over, or the module stopped answering: stop waiting. */
  | { readonly type: 'abort' };

export type PassageEffect =
  | 'relay-on'
  | 'relay-off'
  /** Start the window timer (and, in pulse mode, the pulse timer). */
  | 'start-timers'
  | 'stop-timers'
  | 'resolve-passed'
  | 'resolve-not-passed'
  | 'refuse-busy'
  | 'report-forced-passage';

export type PassageTransition = { readonly next: PassageState; readonly effects: readonly PassageEffect[] };

type Table = { readonly [S in PassageState]: Partial<Record<PassageEvent['type'], PassageTransition>> };

const to = (next: PassageState, ...effects: PassageEffect[]): PassageTransition => ({ next, effects });

/** The whole graph. A missing (state, event) pair is a bug in the driver, reported as such. */
export const PASSAGE_TABLE: Table = {
  idle: {
    open: to('unlocking', 'relay-on'),
    pass: to('idle', 'report-forced-passage'),
    // An abort during 'unlocking' leaves the write on the bus; its result lands here.
    unlocked: to('idle', 'relay-off'),
    'unlock-failed': to('idle', 'relay-off'),
    abort: to('idle'),
  },
  unlocking: {
    open: to('unlocking', 'refuse-busy'),
    unlocked: to('open', 'start-timers'),
    'unlock-failed': to('idle', 'relay-off', 'resolve-not-passed'),
    pass: to('unlocking-passed'),
    abort: to('idle', 'resolve-not-passed'),
  },
  'unlocking-passed': {
    open: to('unlocking-passed', 'refuse-busy'),
    unlocked: to('idle', 'relay-off', 'resolve-passed'),
    'unlock-failed': to('idle', 'relay-off', 'resolve-passed'),
    pass: to('unlocking-passed', 'report-forced-passage'),
    abort: to('idle', 'resolve-passed'),
  },
  open: {
    open: to('open', 'refuse-busy'),
    'pulse-elapsed': to('open', 'relay-off'),
    pass: to('idle', 'stop-timers', 'relay-off', 'resolve-passed'),
    'window-elapsed': to('idle', 'relay-off', 'resolve-not-passed'),
    abort: to('idle', 'stop-timers', 'relay-off', 'resolve-not-passed'),
  },
};

export function nextPassage(state: PassageState, event: PassageEvent): PassageTransition | undefined {
  return PASSAGE_TABLE[state][event.type];
}
