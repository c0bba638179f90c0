import { describe, expect, it } from 'vitest';
import type { PassRow } from '../../store/pass-reports.ts';
import { passesToCsv } from './passes.ts';

const row: PassRow = {
  boxId: 'box-1',
  clubId: 'club-1',
  seq: 7,
  batchId: 'b-1',
  at: Date.UTC(2026, 0, 5, 9, 0, 0),
  lane: 'entry, "north"',
  direction: 'in',
  granted: true,
  reason: 'granted',
  outcome: 'passed',
  memberId: '=HYPERLINK("x")',
  credentialKind: 'badge',
  credentialHash: 'c0ffee01',
  rightsVersion: null,
  receivedAt: 0,
  data: {},
};

describe('passesToCsv', () => {
  it('writes RFC 4180 rows, quoting commas and quotes, and defuses formula-looking cells', () => {
    const lines = passesToCsv([row]).split('\r\n');
    expect(lines[1]).toBe('2026-01-05T09:00:00.000Z,club-1,box-1,7,"entry, ""north""",in,true,passed,granted,"\'=HYPERLINK(""x"")",badge,c0ffee01,,b-1');
    expect(lines[2]).toBe('');
  });
});
