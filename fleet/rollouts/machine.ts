import type { UpdateState } from '../../protocol/mqtt/index.ts';

/**
 * The two state machines of a rollout, as tables (house rule 8): the rollout itself and
 * each targeted box's place in it. Pure; the planner and the engine only look things up
 * here.
 */

export const ROLLOUT_STATES = ['draft', 'running', 'paused', 'halted', 'completed', 'cancelled'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

export const ROLLOUT_EVENTS = ['start', 'pause', 'resume', 'cancel', 'halt', 'complete', 'retry-failed'] as const;
export type RolloutEvent = (typeof ROLLOUT_EVENTS)[number];

const __ = null;
/** null: the event is refused in that state (the API answers ROLLOUT_STATE_CONFLICT). */
/**
 * retry-failed: support retries only the boxes that failed or rolled back (BOX_TABLE retry), one
 * more attempt each; offered only while the rollout has such boxes (validActions()).
 */
export const ROLLOUT_TABLE: Record<RolloutState, Record<RolloutEvent, RolloutState | null>> = {
  //           start       pause      resume     cancel        halt       complete
  draft:     { start: 'running', pause: __, resume: __, cancel: 'cancelled', halt: __, complete: __, 'retry-failed': __ },
  running:   { start: __, pause: 'paused', resume: __, cancel: 'cancelled', halt: 'halted', complete: 'completed', 'retry-failed': 'running' },
  // In-flight boxes keep reporting while paused, so the error threshold can still halt.
  paused:    { start: __, pause: __, resume: 'running', cancel: 'cancelled', halt: 'halted', complete: __, 'retry-failed': 'paused' },
  // Resumed once support fixed the failing boxes: they get another attempt (BOX_TABLE resume).
  halted:    { start: __, pause: __, resume: 'running', cancel: 'cancelled', halt: __, complete: __, 'retry-failed': 'running' },
  completed: { start: __, pause: __, resume: __, cancel: __, halt: __, complete: __, 'retry-failed': 'running' },
  cancelled: { start: __, pause: __, resume: __, cancel: __, halt: __, complete: __, 'retry-failed': __ },
};

export function nextRolloutState(state: RolloutState, event: RolloutEvent): RolloutState | null {
  return ROLLOUT_TABLE[state][event];
}

/** What support may do to a rollout, by hand (the engine alone halts and completes). */
export const OPERATOR_ACTIONS = ['start', 'pause', 'resume', 'cancel', 'retry-failed'] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

/**
 * The actions valid now: those the table allows in `state`, and retry-failed only while
 * some boxes failed or rolled back. The dashboard offers exactly these.
 */
export function validActions(state: RolloutState, failedBoxes: number): OperatorAction[] {
  return OPERATOR_ACTIONS.filter((a) => nextRolloutState(state, a) !== null && (a !== 'retry-failed' || failedBoxes > 0));
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
 * retry: support retries the failed and rolled-back boxes only.
 */
export const BOX_EVENTS = ['schedule', 'progress', 'commit', 'fail', 'rollback', 'abort-ack', 'timeout', 'skip', 'resume', 'retry'] as const;
export type BoxEvent = (typeof BOX_EVENTS)[number];

/**
 * 'retry': back to pending while attempts remain, else failed. 'ignore': a report that
 * changes nothing (a late duplicate, a prefetch's progress on a pending box). 'bug': the
 * planner must never produce that pair; the engine logs it and changes nothing.
 */
export type BoxOutcome = BoxState | 'retry' | 'ignore' | 'bug';

const inFlight: Record<BoxEvent, BoxOutcome> = {
  schedule: 'bug', progress: 'in-progress', commit: 'succeeded', fail: 'retry', rollback: 'rolled-back', 'abort-ack': 'skipped', timeout: 'retry', skip: 'skipped', resume: 'ignore', retry: 'ignore',
};
const done: Record<BoxEvent, BoxOutcome> = {
  schedule: 'bug', progress: 'ignore', commit: 'ignore', fail: 'ignore', rollback: 'ignore', 'abort-ack': 'ignore', timeout: 'bug', skip: 'bug', resume: 'ignore', retry: 'ignore',
};
/** Failed or rolled back: back to pending when the rollout resumes, or when support retries them. */
const retried: Record<BoxEvent, BoxOutcome> = { ...done, resume: 'pending', retry: 'pending' };

export const BOX_TABLE: Record<BoxState, Record<BoxEvent, BoxOutcome>> = {
  pending: { schedule: 'scheduled', progress: 'ignore', commit: 'ignore', fail: 'ignore', rollback: 'ignore', 'abort-ack': 'ignore', timeout: 'bug', skip: 'skipped', resume: 'ignore', retry: 'ignore' },
  scheduled: inFlight,
  'in-progress': inFlight,
  succeeded: done,
  failed: retried,
  'rolled-back': retried,
  // Aborted by the halt: a resume tries it again; it never failed, so a retry leaves it.
  skipped: { ...done, resume: 'pending' },
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
