import { describe, expect, it } from 'vitest';
import { UPDATE_STATES } from '../../protocol/mqtt/index.ts';
import { BOX_EVENTS, BOX_STATES, BOX_TABLE, nextRolloutState, validActions, ROLLOUT_EVENTS, ROLLOUT_STATES, STATUS_EVENT, stepBox, type BoxEvent, type BoxOutcome, type BoxState, type RolloutEvent, type RolloutState } from './machine.ts';

/** The expected rollout graph, written out pair by pair: anything not listed is refused. */
const ALLOWED: [RolloutState, RolloutEvent, RolloutState][] = [
  ['draft', 'start', 'running'],
  ['draft', 'cancel', 'cancelled'],
  ['running', 'pause', 'paused'],
  ['running', 'cancel', 'cancelled'],
  ['running', 'halt', 'halted'],
  ['running', 'complete', 'completed'],
  ['paused', 'resume', 'running'],
  ['paused', 'cancel', 'cancelled'],
  ['paused', 'halt', 'halted'],
  ['halted', 'resume', 'running'],
  ['halted', 'cancel', 'cancelled'],
  ['running', 'retry-failed', 'running'],
  ['paused', 'retry-failed', 'paused'],
  ['halted', 'retry-failed', 'running'],
  ['completed', 'retry-failed', 'running'],
];

describe('rollout state table', () => {
  for (const state of ROLLOUT_STATES) {
    for (const event of ROLLOUT_EVENTS) {
      const expected = ALLOWED.find(([s, e]) => s === state && e === event)?.[2] ?? null;
      it(`${state} + ${event} -> ${expected ?? 'refused'}`, () => {
        expect(nextRolloutState(state, event)).toBe(expected);
      });
    }
  }
});

describe('actions offered to support', () => {
  it('follows the table, and offers retry-failed only with failed boxes', () => {
    expect(validActions('draft', 0)).toEqual(['start', 'cancel']);
    expect(validActions('running', 0)).toEqual(['pause', 'cancel']);
    expect(validActions('running', 2)).toEqual(['pause', 'cancel', 'retry-failed']);
    expect(validActions('halted', 1)).toEqual(['resume', 'cancel', 'retry-failed']);
    expect(validActions('completed', 0)).toEqual([]);
    expect(validActions('completed', 1)).toEqual(['retry-failed']);
    expect(validActions('cancelled', 3)).toEqual([]);
  });
});

const EXPECTED_BOX: Record<BoxState, Record<BoxEvent, BoxOutcome>> = {
  pending: { schedule: 'scheduled', progress: 'ignore', commit: 'ignore', fail: 'ignore', rollback: 'ignore', 'abort-ack': 'ignore', timeout: 'bug', skip: 'skipped', resume: 'ignore', retry: 'ignore' },
  scheduled: { schedule: 'bug', progress: 'in-progress', commit: 'succeeded', fail: 'retry', rollback: 'rolled-back', 'abort-ack': 'skipped', timeout: 'retry', skip: 'skipped', resume: 'ignore', retry: 'ignore' },
  'in-progress': { schedule: 'bug', progress: 'in-progress', commit: 'succeeded', fail: 'retry', rollback: 'rolled-back', 'abort-ack': 'skipped', timeout: 'retry', skip: 'skipped', resume: 'ignore', retry: 'ignore' },
  succeeded: { schedule: 'bug', progress: 'ignore', commit: 'ignore', fail: 'ignore', rollback: 'ignore', 'abort-ack': 'ignore', timeout: 'bug', skip: 'bug', resume: 'ignore', retry: 'ignore' },
  failed: { schedule: 'bug', progress: 'ignore', commit: 'ignore', fail: 'ignore', rollback: 'ignore', 'abort-ack': 'ignore', timeout: 'bug', skip: 'bug', resume: 'pending', retry: 'pending' },
  'rolled-back': { schedule: 'bug', progress: 'ignore', commit: 'ignore', fail: 'ignore', rollback: 'ignore', 'abort-ack': 'ignore', timeout: 'bug', skip: 'bug', resume: 'pending', retry: 'pending' },
  skipped: { schedule: 'bug', progress: 'ignore', commit: 'ignore', fail: 'ignore', rollback: 'ignore', 'abort-ack': 'ignore', timeout: 'bug', skip: 'bug', resume: 'pending', retry: 'ignore' },
};

describe('box state table', () => {
  for (const state of BOX_STATES) {
    for (const event of BOX_EVENTS) {
      const expected = EXPECTED_BOX[state][event];
      it(`${state} + ${event} -> ${expected}`, () => {
        expect(BOX_TABLE[state][event]).toBe(expected);
        const step = stepBox(state, event, 1, 3);
        if (expected === 'ignore' || expected === 'bug') expect(step).toEqual({ kind: expected });
        else if (expected === 'retry') expect(step).toEqual({ kind: 'to', state: 'pending', attempts: 1 });
        else expect(step).toEqual({ kind: 'to', state: expected, attempts: event === 'schedule' ? 2 : 1 });
      });
    }
  }

  it('a retry with no attempt left is a failure, at the boundary', () => {
    expect(stepBox('in-progress', 'fail', 2, 3)).toEqual({ kind: 'to', state: 'pending', attempts: 2 });
    expect(stepBox('in-progress', 'fail', 3, 3)).toEqual({ kind: 'to', state: 'failed', attempts: 3 });
    expect(stepBox('scheduled', 'timeout', 3, 3)).toEqual({ kind: 'to', state: 'failed', attempts: 3 });
  });

  it('every update state of the box maps to an event', () => {
    for (const s of UPDATE_STATES) expect(BOX_EVENTS).toContain(STATUS_EVENT[s]);
    expect(STATUS_EVENT.committed).toBe('commit');
    expect(STATUS_EVENT['rolled-back']).toBe('rollback');
    expect(STATUS_EVENT.failed).toBe('fail');
    expect(STATUS_EVENT.aborted).toBe('abort-ack');
  });
});
