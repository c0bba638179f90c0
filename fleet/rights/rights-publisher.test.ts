import { describe, expect, it } from 'vitest';
import type { RightsData } from '../../protocol/mqtt/index.ts';
import { chunkSnapshot, withVisitsCounted } from './rights-publisher.ts';

const member = (i: number) => ({ id: `m${i}`, displayName: `Member ${i} ${'x'.repeat(50)}`, subscriptionEnd: null, blockingAlerts: [] });
const data = (n: number): RightsData => ({ members: Array.from({ length: n }, (_, i) => member(i)), credentials: [], zones: [], rights: [], bookings: [], qrKeys: [] });

describe('chunkSnapshot', () => {
  it('keeps a small snapshot whole', () => {
    expect(chunkSnapshot(data(3), 10_000)).toEqual([data(3)]);
  });

  it('splits a large one into parts under the limit that together hold every record once', () => {
    const whole = data(1000);
    const parts = chunkSnapshot(whole, 20_000);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(Buffer.byteLength(JSON.stringify(p))).toBeLessThanOrEqual(20_000);
    expect(parts.flatMap((p) => p.members)).toEqual(whole.members);
  });
});

describe('withVisitsCounted', () => {
  const pack = { id: 'r1', memberId: 'm1', kind: 'pack' as const, zoneIds: ['z1'], validFrom: 0, validTo: 10, visitsLeft: 5, maxEntriesPerDay: null };
  const subscription = { ...pack, id: 'r2', kind: 'subscription' as const, visitsLeft: null };

  it('dates the count of a pack the backend sent without one at the upsert, leaves the rest as sent', () => {
    const counted = { ...pack, id: 'r3', visitsCountedUntil: 7 };
    expect(withVisitsCounted({ rights: [pack, subscription, counted] }, 1234).rights).toEqual([{ ...pack, visitsCountedUntil: 1234 }, subscription, counted]);
  });

  it('returns an upsert without such packs unchanged', () => {
    const upserts = { members: [member(1)], rights: [subscription] };
    expect(withVisitsCounted(upserts, 1234)).toBe(upserts);
  });
});
