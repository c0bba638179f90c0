import type { PassRecord } from '../../agent/journal/pass-record.ts';

/** A plausible pass record for journal tests; `overrides` pick the fields a test cares about. */
export function samplePass(overrides: Partial<PassRecord> = {}): PassRecord {
  return {
    kind: 'passed',
    at: Date.UTC(2026, 0, 5, 9, 0, 0),
    laneId: 'entry-1',
    direction: 'in',
    zone: 'club',
    passed: true,
    reason: 'granted',
    credentialHash: '0123456789abcdef',
    memberId: 'm-1',
    rightsVersion: '1',
    operator: null,
    note: null,
    ...overrides,
  };
}
