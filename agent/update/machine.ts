import type { UpdateError } from './errors.ts';

/**
 * The box's update machine (Mender style): a closed set of events, states whose entry
 * effect only posts one outcome event, and the whole graph in the table below. An event
 * a state does not list is a bug and throws (`UnhandledTransition`), never a silent no-op.
 */
export const MACHINE_STATES = ['idle', 'queued', 'downloading', 'verifying', 'staged', 'waiting-window', 'installing', 'restarting', 'trial', 'committed', 'rolled-back', 'failed', 'aborted'] as const;
export type MachineState = (typeof MACHINE_STATES)[number];

export type UpdateEvent =
  | { type: 'job' }
  | { type: 'accepted' }
  | { type: 'downloaded' }
  | { type: 'verified' }
  | { type: 'install-now' }
  | { type: 'window-open' }
  | { type: 'switched' }
  | { type: 'booted-new' }
  | { type: 'trial-passed' }
  | { type: 'rolled-back'; error: UpdateError }
  | { type: 'fail'; error: UpdateError }
  | { type: 'abort' };
export type UpdateEventType = UpdateEvent['type'];

export const FINAL_STATES: ReadonlySet<MachineState> = new Set(['committed', 'rolled-back', 'failed', 'aborted']);

/**
 * `fail` out of staged, restarting and trial comes only from the state-loop guard
 * (updater.ts): their effects never fail (after the switch, errors are retried and the
 * launcher decides). The failed state's clean-up puts `current` back on the running
 * release if it pointed at the untried one.
 *
 * States where an abort stops the update at once. From `installing` on, `current` may
 * already point at the new release, so an abort is recorded and becomes a rollback by
 * the launcher (the self-transitions below): an aborted update is never committed.
 */
export const ABORTABLE: ReadonlySet<MachineState> = new Set(['queued', 'downloading', 'verifying', 'staged', 'waiting-window']);

// prettier-ignore
const TABLE: Record<MachineState, Partial<Record<UpdateEventType, MachineState>>> = {
  'idle':           { job: 'queued' },
  'queued':         { accepted: 'downloading',      fail: 'failed',  abort: 'aborted' },
  'downloading':    { downloaded: 'verifying',      fail: 'failed',  abort: 'aborted' },
  'verifying':      { verified: 'staged',           fail: 'failed',  abort: 'aborted' },
  'staged':         { 'install-now': 'waiting-window', fail: 'failed', abort: 'aborted' },
  'waiting-window': { 'window-open': 'installing',  fail: 'failed',  abort: 'aborted' },
  'installing':     { switched: 'restarting',       fail: 'failed',  abort: 'installing' },
  'restarting':     { 'booted-new': 'trial',        'rolled-back': 'rolled-back', fail: 'failed', abort: 'restarting' },
  'trial':          { 'trial-passed': 'committed',  'rolled-back': 'rolled-back', fail: 'failed', abort: 'trial' },
  'committed':      { job: 'queued' },
  'rolled-back':    { job: 'queued' },
  'failed':         { job: 'queued' },
  'aborted':        { job: 'queued' },
};

export class UnhandledTransition extends Error {
  constructor(
    readonly state: MachineState,
    readonly event: UpdateEventType,
  ) {
    super(`update machine: no transition for event ${event} in state ${state}`);
    this.name = 'UnhandledTransition';
  }
}

export function nextState(state: MachineState, event: UpdateEvent): MachineState {
  const to = TABLE[state][event.type];
  if (!to) throw new UnhandledTransition(state, event.type);
  return to;
}

export function handles(state: MachineState, event: UpdateEventType): boolean {
  return TABLE[state][event] !== undefined;
}
