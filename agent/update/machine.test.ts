import { describe, expect, it } from 'vitest';
import { updateError } from './errors.ts';
import { ABORTABLE, FINAL_STATES, MACHINE_STATES, handles, nextState, UnhandledTransition, type MachineState, type UpdateEvent } from './machine.ts';

const EVENTS: UpdateEvent[] = [
  { type: 'job' },
  { type: 'accepted' },
  { type: 'downloaded' },
  { type: 'verified' },
  { type: 'install-now' },
  { type: 'window-open' },
  { type: 'switched' },
  { type: 'booted-new' },
  { type: 'trial-passed' },
  { type: 'rolled-back', error: updateError('UPDATE_TRIAL_CRASH_LOOP') },
  { type: 'fail', error: updateError('UPDATE_DISK') },
  { type: 'abort' },
];

describe('update machine table', () => {
  it('walks the happy path', () => {
    const path: MachineState[] = ['idle'];
    for (const type of ['job', 'accepted', 'downloaded', 'verified', 'install-now', 'window-open', 'switched', 'booted-new', 'trial-passed'] as const) path.push(nextState(path.at(-1) as MachineState, { type } as UpdateEvent));
    expect(path).toEqual(['idle', 'queued', 'downloading', 'verifying', 'staged', 'waiting-window', 'installing', 'restarting', 'trial', 'committed']);
  });

  it('throws on an unhandled pair instead of ignoring it', () => {
    expect(() => nextState('idle', { type: 'switched' })).toThrow(UnhandledTransition);
    expect(() => nextState('committed', { type: 'abort' })).toThrow(/no transition for event abort in state committed/);
  });

  it('aborts at once before the switch; from installing on, an abort stays in place (the launcher rolls back)', () => {
    for (const s of ABORTABLE) expect(nextState(s, { type: 'abort' })).toBe('aborted');
    for (const s of ['installing', 'restarting', 'trial'] as const) expect(nextState(s, { type: 'abort' })).toBe(s);
  });

  it('never reaches committed except from trial, and every final state accepts a new job', () => {
    for (const s of MACHINE_STATES) for (const e of EVENTS) if (handles(s, e.type) && nextState(s, e) === 'committed') expect([s, e.type]).toEqual(['trial', 'trial-passed']);
    for (const s of FINAL_STATES) expect(nextState(s, { type: 'job' })).toBe('queued');
  });

  it('lets every non-final state fail (the state-loop guard needs it) and be aborted, so nothing gets stuck', () => {
    for (const s of MACHINE_STATES) {
      if (s === 'idle' || FINAL_STATES.has(s)) continue;
      expect(handles(s, 'abort')).toBe(true);
      expect(nextState(s, { type: 'fail', error: updateError('UPDATE_STATE_LOOP') })).toBe('failed');
    }
  });
});
