import type { Decision } from '../access/index.ts';
import type { Credential, ReaderFeedback } from '../devices/reader.ts';
import type { Direction, PassageOutcome } from '../devices/turnstile-port.ts';
import { LaneError } from './errors.ts';

/**
 * The lane state machine: a closed union of events, one transition table, pure transitions
 * that return the next state and the effects for the controller (lane.ts) to carry out.
 *
 *   idle --credential--> deciding --verdict granted/free--> passage --outcome--> idle
 *                                 --verdict denied/locked--> idle
 *   idle --manual-open--> passage
 *
 * A credential presented while a passage is in flight is IGNORED (logged, not decided, not
 * journaled, no feedback): the person in the lane still sees their green light, a decision
 * made now would use a state the passage in flight is about to change, and a refusal row
 * per repeated read would flood the journal. The reader gets it again once the lane is idle.
 */

/** A credential read at one of the lane's readers. `at` is Clock.monotonic() of its last byte. */
export interface Presentation {
  readonly readerId: string;
  readonly direction: Direction;
  readonly credential: Credential;
  readonly hash: string;
  readonly at: number;
}

export type Verdict =
  | { readonly kind: 'granted'; readonly decision: Decision }
  | { readonly kind: 'denied'; readonly decision: Decision }
  /** Fire alarm: no rights check, the lane opens for everyone. */
  | { readonly kind: 'free' }
  /** Lock-down: every open is refused. */
  | { readonly kind: 'locked' }
  /** decide() threw (a bug or a broken rights store): refused, and the row says so. */
  | { readonly kind: 'fault'; readonly message: string };

export interface ManualOpenRequest {
  readonly requestId: number;
  readonly operator: string;
  readonly reason: string;
  readonly direction: Direction;
  /** Wall clock of the request. */
  readonly requestedAt: number;
  /** The member staff let through (a forgotten badge), journaled with the pass. */
  readonly memberId?: string;
}

/** Why the turnstile was opened: what the journal row says once the passage is over. */
export type PassageOrigin =
  | { readonly kind: 'credential'; readonly presentation: Presentation; readonly decision: Decision }
  | { readonly kind: 'emergency'; readonly presentation: Presentation }
  | { readonly kind: 'manual'; readonly request: ManualOpenRequest };

export type LaneState =
  | { readonly phase: 'idle' }
  | { readonly phase: 'deciding'; readonly presentation: Presentation }
  | { readonly phase: 'passage'; readonly origin: PassageOrigin; readonly direction: Direction };

export type LaneEvent =
  | { readonly kind: 'credential'; readonly presentation: Presentation }
  | { readonly kind: 'verdict'; readonly verdict: Verdict }
  | { readonly kind: 'manual-open'; readonly request: ManualOpenRequest }
  | { readonly kind: 'outcome'; readonly outcome: PassageOutcome }
  | { readonly kind: 'forced'; readonly direction: Direction; readonly at: number };

/** Everything that ends up as one journal row. */
export type LaneRecord =
  | { readonly kind: 'denied'; readonly presentation: Presentation; readonly verdict: Extract<Verdict, { kind: 'denied' | 'locked' | 'fault' }> }
  | { readonly kind: 'passage'; readonly origin: PassageOrigin; readonly direction: Direction; readonly outcome: PassageOutcome }
  | { readonly kind: 'forced'; readonly direction: Direction; readonly at: number };

export type LaneEffect =
  | { readonly kind: 'decide'; readonly presentation: Presentation }
  | { readonly kind: 'open'; readonly direction: Direction }
  | { readonly kind: 'feedback'; readonly readerId: string; readonly signal: ReaderFeedback }
  /** One structured log line per decision, with the latency since the credential's last byte. */
  | { readonly kind: 'log-decision'; readonly presentation: Presentation; readonly reason: string; readonly granted: boolean }
  | { readonly kind: 'record'; readonly record: LaneRecord }
  | { readonly kind: 'ignore-credential'; readonly presentation: Presentation; readonly reason: 'lane-busy' }
  | { readonly kind: 'refuse-manual'; readonly request: ManualOpenRequest; readonly reason: 'lane-busy' };

export interface Step {
  readonly state: LaneState;
  readonly effects: readonly LaneEffect[];
}

type Phase = LaneState['phase'];
type EventKind = LaneEvent['kind'];
type Handler<P extends Phase, K extends EventKind> = (state: Extract<LaneState, { phase: P }>, event: Extract<LaneEvent, { kind: K }>) => Step;
/** null marks a pair that cannot happen: reaching it is a bug, never a silent no-op. */
type TransitionTable = { readonly [P in Phase]: { readonly [K in EventKind]: Handler<P, K> | null } };

const IDLE: LaneState = { phase: 'idle' };

const startDeciding: Handler<'idle', 'credential'> = (_s, e) => ({
  state: { phase: 'deciding', presentation: e.presentation },
  effects: [{ kind: 'decide', presentation: e.presentation }],
});

const applyVerdict: Handler<'deciding', 'verdict'> = (s, e) => {
  const p = s.presentation;
  const v = e.verdict;
  switch (v.kind) {
    case 'granted':
      return {
        state: { phase: 'passage', origin: { kind: 'credential', presentation: p, decision: v.decision }, direction: p.direction },
        effects: [
          // The open goes first: the arm is what the person is waiting for.
          { kind: 'open', direction: p.direction },
          { kind: 'feedback', readerId: p.readerId, signal: { kind: 'granted', text: v.decision.message } },
          { kind: 'log-decision', presentation: p, reason: v.decision.reason, granted: true },
        ],
      };
    case 'free':
      return {
        state: { phase: 'passage', origin: { kind: 'emergency', presentation: p }, direction: p.direction },
        effects: [
          { kind: 'open', direction: p.direction },
          { kind: 'feedback', readerId: p.readerId, signal: { kind: 'granted' } },
          { kind: 'log-decision', presentation: p, reason: 'emergency', granted: true },
        ],
      };
    case 'denied':
    case 'locked':
    case 'fault':
      return {
        state: IDLE,
        effects: [
          { kind: 'feedback', readerId: p.readerId, signal: { kind: 'denied', ...(v.kind === 'denied' ? { text: v.decision.message } : {}) } },
          { kind: 'log-decision', presentation: p, reason: v.kind === 'denied' ? v.decision.reason : v.kind === 'locked' ? 'lockdown' : 'decision-fault', granted: false },
          { kind: 'record', record: { kind: 'denied', presentation: p, verdict: v } },
        ],
      };
  }
};

const openManually: Handler<'idle', 'manual-open'> = (_s, e) => ({
  state: { phase: 'passage', origin: { kind: 'manual', request: e.request }, direction: e.request.direction },
  effects: [{ kind: 'open', direction: e.request.direction }],
});

const ignoreWhileBusy: Handler<'passage', 'credential'> = (_s, e) => ({
  state: _s,
  effects: [{ kind: 'ignore-credential', presentation: e.presentation, reason: 'lane-busy' }],
});

const refuseManualWhileBusy: Handler<'passage', 'manual-open'> = (s, e) => ({
  state: s,
  effects: [{ kind: 'refuse-manual', request: e.request, reason: 'lane-busy' }],
});

const finishPassage: Handler<'passage', 'outcome'> = (s, e) => {
  const record: LaneRecord = { kind: 'passage', origin: s.origin, direction: s.direction, outcome: e.outcome };
  const readerId = s.origin.kind === 'manual' ? undefined : s.origin.presentation.readerId;
  return {
    state: IDLE,
    effects: [
      ...(readerId === undefined ? [] : [{ kind: 'feedback', readerId, signal: { kind: 'idle' } } as const]),
      { kind: 'record', record },
    ],
  };
};

function recordForced<P extends 'idle' | 'passage'>(s: Extract<LaneState, { phase: P }>, e: Extract<LaneEvent, { kind: 'forced' }>): Step {
  return { state: s, effects: [{ kind: 'record', record: { kind: 'forced', direction: e.direction, at: e.at } }] };
}

/**
 * The whole lane behaviour. `deciding` only lasts while the controller runs the `decide`
 * effect synchronously, so no outside event can reach it.
 */
export const LANE_TRANSITIONS: TransitionTable = {
  //          credential       verdict       manual-open             outcome         forced
  idle:     { credential: startDeciding,   verdict: null,         'manual-open': openManually,          outcome: null,          forced: recordForced },
  deciding: { credential: null,            verdict: applyVerdict, 'manual-open': null,                  outcome: null,          forced: null },
  passage:  { credential: ignoreWhileBusy, verdict: null,         'manual-open': refuseManualWhileBusy, outcome: finishPassage, forced: recordForced },
};

export function transition(state: LaneState, event: LaneEvent): Step {
  const handler = LANE_TRANSITIONS[state.phase][event.kind] as Handler<Phase, EventKind> | null;
  if (!handler) throw new LaneError('LANE_UNHANDLED_TRANSITION', `lane event "${event.kind}" cannot happen in state "${state.phase}"`);
  return handler(state as never, event as never);
}

export const INITIAL_LANE_STATE: LaneState = IDLE;
