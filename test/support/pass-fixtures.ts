import type { PassRecord } from '../../agent/journal/pass-record.ts';

/** A plausible pass record for journal tests; `overrides` pick the fields a test cares about. */
export function samplePass(overrides: Partial<PassRecord> = {}): PassRecord {
  return {
    ts: Date.UTC(2026, 0, 5, 9, 0, 1),
    decidedAt: Date.UTC(2026, 0, 5, 9, 0, 0),
    laneId: 'entry-1',
    direction: 'in',
    outcome: 'passed',
    reason: 'granted',
    memberId: 'm-1',
    credential: { kind: 'badge', hash: '0123456789abcdef' },
    rightsVersion: 7,
    rightId: 'r-1',
    operator: null,
    note: null,
    latencyUs: 850,
    ...overrides,
  };
}
