import type { DeviceState } from '../device.ts';

/** What moves a byte-link reader's state (closed set). */
export type ReaderStateEvent =
  | 'start'
  /** The transport opened. */
  | 'link-up'
  /** The transport was lost, or an open attempt failed. */
  | 'link-down'
  /** `degradedAfterErrors` bad frames in a row. */
  | 'error-streak'
  | 'good-frame'
  | 'stop';

/**
 * The whole transition graph in one table; a missing (state, event) pair is a bug and throws.
 * Frames decoded while not online (bytes buffered just before a close) leave the state alone;
 * start() on a started reader changes nothing.
 */
const TRANSITIONS: Record<DeviceState, Partial<Record<ReaderStateEvent, DeviceState>>> = {
  offline: { start: 'starting', 'link-up': 'online', 'link-down': 'offline', 'error-streak': 'offline', 'good-frame': 'offline', stop: 'offline' },
  starting: { start: 'starting', 'link-up': 'online', 'link-down': 'offline', 'error-streak': 'starting', 'good-frame': 'starting', stop: 'offline' },
  online: { start: 'online', 'link-down': 'offline', 'error-streak': 'degraded', 'good-frame': 'online', stop: 'offline' },
  degraded: { start: 'degraded', 'link-down': 'offline', 'error-streak': 'degraded', 'good-frame': 'online', stop: 'offline' },
};

export function nextReaderState(state: DeviceState, event: ReaderStateEvent): DeviceState {
  const next = TRANSITIONS[state][event];
  if (next === undefined) throw new Error(`reader state machine: no transition from "${state}" on "${event}"`);
  return next;
}
