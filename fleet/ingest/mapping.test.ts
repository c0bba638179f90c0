import { describe, expect, it } from 'vitest';
import { MAX_EXPLANATION_BYTES } from '../../protocol/access/explanation.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import type { Pass } from '../../protocol/mqtt/index.ts';
import { passRecord } from './mapping.ts';

const base = VALID_MESSAGES.passes.passes[0] as Pass;
const explanation = (today: string): NonNullable<Pass['explanation']> => ({
  v: 1,
  rightsVersion: 4,
  at: { at: 1, local: null },
  tz: 'Europe/Paris',
  rules: [
    { rule: 'member', outcome: 'pass', facts: { memberId: 'm1', known: true, subscriptionEnd: null } },
    { rule: 'zone-open', outcome: 'fail', facts: { zoneId: 'gym', today: [today] } },
  ],
});

describe('passRecord()', () => {
  it('stores the explanation a pass carries with it, unchanged when within the bound', () => {
    expect(passRecord('b1', { ...base, explanation: explanation('06:00-23:00') }).data.explanation).toEqual(explanation('06:00-23:00'));
    expect(passRecord('b1', base).data).not.toHaveProperty('explanation');
  });

  it('cuts an explanation that arrives over the bound and marks it EXPLANATION_TOO_LARGE', () => {
    const stored = passRecord('b1', { ...base, explanation: explanation('x'.repeat(3000)) }).data.explanation;
    expect(stored).toMatchObject({ truncated: 'EXPLANATION_TOO_LARGE', rules: [{ rule: 'member', outcome: 'pass' }, { rule: 'zone-open', outcome: 'fail' }] });
    expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThanOrEqual(MAX_EXPLANATION_BYTES);
  });
});
