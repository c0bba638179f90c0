import type { UpdateState } from '../../protocol/mqtt/index.ts';

/**
 * The two state machines of a rollout, as tables (house rule 8): the rollout itself and
 * each targeted box's place in it. Pure; the planner and the engine only look things up
 * here.
 */

export const ROLLOUT_STATES = ['draft', 'running', 'paused', 'halted', 'completed', 'cancelled'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

export const ROLLOUT_EVENTS = ['start', 'pause', 'resume', 'cancel', 'halt', 'complete'] as const;
export type RolloutEvent = (typeof ROLLOUT_EVENTS)[number];

const __ = null;
/** null: the event is refused in that state (the API answers ROLLOUT_STATE_CONFLICT). */
export const ROLLOUT_TABLE: Record<RolloutState, Record<RolloutEvent, RolloutState | null>> = {
  //           start       pause      resume     cancel        halt       complete
  draft:     { start: 'running', pause: __, resume: __, cancel: 'cancelled', halt: __, complete: __ },
  running:   { start: __, pause: 'paused', resume: __, cancel: 'cancelled', halt: 'halted', complete: 'completed' },
  // In-flight boxes keep reporting while paused, so the error threshold can still halt.
  paused:    { start: __, pause: __, resume: 'running', cancel: 'cancelled', halt: 'halted', complete: __ },
  // Resumed once support fixed the failing boxes: they get another attempt (BOX_TABLE resume).
  halted:    { start: __, pause: __, resume: 'running', cancel: 'cancelled', halt: __, complete: __ },
  completed: { start: __, pause: __, resume: __, cancel: __, halt: __, complete: __ },
  cancelled: { start: __, pause: __, resume: __, cancel: __, halt: __, complete: __ },
};

export function nextRolloutState(state: RolloutState, event: RolloutEvent): RolloutState | null {
  return ROLLOUT_TABLE[state][event];
}

export const BOX_STATES = ['pending', 'scheduled', 'in-progress', 'succeeded', 'failed', 'rolled-back', 'skipped'] as const;
export type BoxState = (typeof BOX_STATES)[number];
export const TERMINAL_BOX_STATES: readonly BoxState[] = ['succeeded', 'failed', 'rolled-back', 'skipped'];
export const isTerminal = (s: BoxState): boolean => TERMINAL_BOX_STATES.includes(s);

/**
 * schedule: the install job is published. progress/commit/fail/rollback/abort-ack: the box
 * reported an update state (see STATUS_EVENT). timeout: no report for the job timeout.
 * skip: the box left the rollout (revoked, or the rollout was cancelled before its turn).
 * resume: a halted rollout is resumed; its failed, rolled-back and aborted boxes try again.
 */
export const BOX_EVENTS = ['schedule', 'progress', 'commit', 'fail', 'rollback', 'abort-ack', 'timeout', 'skip', 'resume'] as const;
export type BoxEvent = (typeof BOX_EVENTS)[number];

/**
 * 'retry': back to pending while attempts remain, else failed. 'ignore': a report that
 * changes nothing (a late duplicate, a prefetch's progress on a pending box). 'bug': the
 * planner must never produce that pair; the engine logs it and changes nothing.
 */
export type BoxOutcome = BoxState | 'retry' | 'ignore' | 'bug';

const inFlight: Record<BoxEvent, BoxOutcome> = {
  schedule: 'bug', progress: 'in-progress', commit: 'succeeded', fail: 'retry', rollback: 'rolled-back', 'abort-ack': 'skipped', timeout: 'retry', skip: 'skipped', resume: 'ignore',
};
const done: Record<BoxEvent, BoxOutcome> = {
  schedule: 'bug', progress: 'ignore', commit: 'ignore', fail: 'ignore', rollback: 'ignore', 'abort-ack': 'ignore', timeout: 'bug', skip: 'bug', resume: 'ignore',
};
/** Failed, rolled back, or aborted by the halt: back to pending when the rollout resumes. */
const retriedOnResume: Record<BoxEvent, BoxOutcome> = { ...done, resume: 'pending' };

export const BOX_TABLE: Record<BoxState, Record<BoxEvent, BoxOutcome>> = {
  pending: { schedule: 'scheduled', progress: 'ignore', commit: 'ignore', fail: 'ignore', rollback: 'ignore', 'abort-ack': 'ignore', timeout: 'bug', skip: 'skipped', resume: 'ignore' },
  scheduled: inFlight,
  'in-progress': inFlight,
  succeeded: done,
  failed: retriedOnResume,
  'rolled-back': retriedOnResume,
  skipped: retriedOnResume,
};

/** The box's update states (protocol/mqtt update/status) as box events. */
export const STATUS_EVENT: Record<UpdateState, BoxEvent> = {
  queued: 'progress',
  downloading: 'progress',
  verifying: 'progress',
  staged: 'progress',
  'waiting-window': 'progress',
  installing: 'progress',
  restarting: 'progress',
  trial: 'progress',
  committed: 'commit',
  'rolled-back': 'rollback',
  failed: 'fail',
  aborted: 'abort-ack',
};

/**
 * Box update states in which waiting is normal (for the maintenance window, or for the
 * operator's "install now" after a download-only job): the job timeout does not run.
 */
export const PATIENT_UPDATE_STATES: readonly UpdateState[] = ['staged', 'waiting-window'];

export type BoxStep = { kind: 'to'; state: BoxState; attempts: number } | { kind: 'ignore' } | { kind: 'bug' };

/** Applies one event to a box: its new state, or why nothing changes. */
export function stepBox(state: BoxState, event: BoxEvent, attempts: number, maxAttempts: number): BoxStep {
  const outcome = BOX_TABLE[state][event];
  if (outcome === 'ignore' || outcome === 'bug') return { kind: outcome };
  if (outcome === 'retry') return { kind: 'to', state: attempts < maxAttempts ? 'pending' : 'failed', attempts };
  return { kind: 'to', state: outcome, attempts: event === 'schedule' ? attempts + 1 : attempts };
}
