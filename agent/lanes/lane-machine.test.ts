import { describe, expect, it } from 'vitest';
import type { Decision } from '../access/index.ts';
import { LANE_TRANSITIONS, transition, type LaneEvent, type LaneState, type Presentation } from './lane-machine.ts';

const presentation: Presentation = { readerId: 'r1', direction: 'in', credential: { kind: 'qr', payload: 'x' }, hash: 'h', at: 0 };
const decision: Decision = { granted: true, reason: 'granted', message: 'ok', rightsVersion: 1 };
const states: Record<LaneState['phase'], LaneState> = {
  idle: { phase: 'idle' },
  deciding: { phase: 'deciding', presentation },
  passage: { phase: 'passage', origin: { kind: 'credential', presentation, decision }, direction: 'in' },
};
const events: Record<LaneEvent['kind'], LaneEvent> = {
  credential: { kind: 'credential', presentation },
  verdict: { kind: 'verdict', verdict: { kind: 'granted', decision } },
  'manual-open': { kind: 'manual-open', request: { requestId: 1, operator: 'o', reason: 'r', direction: 'in', requestedAt: 0 } },
  outcome: { kind: 'outcome', outcome: { kind: 'not-passed' } },
  forced: { kind: 'forced', direction: 'in', at: 0 },
};

describe('lane transition table', () => {
  it('covers every (state, event) pair: a handler or an explicit impossible mark', () => {
    for (const phase of Object.keys(states) as LaneState['phase'][]) {
      expect(Object.keys(LANE_TRANSITIONS[phase]).sort()).toEqual(Object.keys(events).sort());
    }
  });

  it('throws LANE_UNHANDLED_TRANSITION on every impossible pair', () => {
    const impossible: string[] = [];
    for (const [phase, row] of Object.entries(LANE_TRANSITIONS)) {
      for (const [kind, handler] of Object.entries(row)) {
        if (handler !== null) continue;
        impossible.push(`${phase}/${kind}`);
        expect(() => transition(states[phase as LaneState['phase']], events[kind as LaneEvent['kind']])).toThrow(expect.objectContaining({ code: 'LANE_UNHANDLED_TRANSITION' }));
      }
    }
    expect(impossible).toEqual(['idle/verdict', 'idle/outcome', 'deciding/credential', 'deciding/manual-open', 'deciding/outcome', 'deciding/forced', 'passage/verdict']);
  });

  it('opens before any feedback on a grant, and ends every passage with one record', () => {
    const granted = transition(states.deciding, events.verdict);
    expect(granted.state.phase).toBe('passage');
    expect(granted.effects.map((e) => e.kind)).toEqual(['open', 'feedback', 'log-decision']);
    const done = transition(granted.state, events.outcome);
    expect(done.state).toEqual({ phase: 'idle' });
    expect(done.effects.filter((e) => e.kind === 'record')).toHaveLength(1);
  });

  it('is pure: the same input gives the same step', () => {
    expect(transition(states.passage, events.credential)).toEqual(transition(states.passage, events.credential));
  });
});
