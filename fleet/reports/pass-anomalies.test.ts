import { describe, expect, it } from 'vitest';
import { findCardSharing, findEntryExitMismatch, localDay, type PassFact } from './pass-anomalies.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const pass = (over: Partial<PassFact>): PassFact => ({
  boxId: 'box-a',
  clubId: 'club-a',
  at: T0,
  lane: 'l1',
  direction: 'in',
  granted: true,
  outcome: 'passed',
  memberId: 'm1',
  credentialHash: 'c0ffee01',
  ...over,
});
const opts = { minTravelMs: 30 * MIN, maxVisitMs: 240 * MIN };

describe('findCardSharing', () => {
  it('flags entries at two clubs closer than the travel time, not farther apart', () => {
    const f = findCardSharing([pass({}), pass({ at: T0 + 5 * MIN, boxId: 'box-b', clubId: 'club-b' }), pass({ at: T0 + 90 * MIN, boxId: 'box-b', clubId: 'club-b', direction: 'out' }), pass({ at: T0 + 3 * 60 * MIN })], opts);
    expect(f.map((x) => [x.kind, x.first.clubId, x.second.clubId, x.intervalMs])).toEqual([['impossible-travel', 'club-a', 'club-b', 5 * MIN]]);
  });

  it('flags a second entry while the visit is still open, and not after an exit', () => {
    const handedBack = findCardSharing([pass({}), pass({ at: T0 + 2 * MIN })], opts);
    expect(handedBack.map((x) => x.kind)).toEqual(['overlapping-entries']);
    const normal = findCardSharing([pass({}), pass({ at: T0 + 60 * MIN, direction: 'out' }), pass({ at: T0 + 90 * MIN })], opts);
    expect(normal).toEqual([]);
  });

  it('ignores denied and not-passed attempts and other credentials', () => {
    const f = findCardSharing(
      [pass({}), pass({ at: T0 + MIN, granted: false, outcome: 'denied' }), pass({ at: T0 + 2 * MIN, outcome: 'not-passed' }), pass({ at: T0 + 3 * MIN, credentialHash: 'beef0002' })],
      opts,
    );
    expect(f).toEqual([]);
  });

  it('falls back to the member id when no credential hash was recorded', () => {
    const f = findCardSharing([pass({ credentialHash: null }), pass({ credentialHash: null, at: T0 + MIN, clubId: 'club-b', boxId: 'box-b' })], opts);
    expect(f[0]?.credential).toBe('member:m1');
  });
});

describe('findEntryExitMismatch', () => {
  it('counts entries and exits per club and local day and lists unbalanced credentials', () => {
    const rows = findEntryExitMismatch(
      [
        pass({}),
        pass({ at: T0 + 60 * MIN, direction: 'out' }),
        pass({ at: T0 + 10 * MIN, credentialHash: 'beef0002', memberId: 'm2' }),
        pass({ at: T0 + 20 * MIN, credentialHash: 'beef0002', memberId: 'm2', granted: false, outcome: 'denied' }),
      ],
      () => 'Europe/Paris',
    );
    expect(rows).toEqual([{ clubId: 'club-a', day: '2026-01-05', entries: 2, exits: 1, unbalanced: [{ credential: 'beef0002', memberId: 'm2', entries: 1, exits: 0 }] }]);
  });

  it('counts a lane opened by staff as an entry or an exit, as its direction says', () => {
    const manual = { granted: false, outcome: 'manual', memberId: null, credentialHash: null } as const;
    const rows = findEntryExitMismatch([pass({ ...manual }), pass({ ...manual, at: T0 + 5 * MIN, direction: 'out' }), pass({ ...manual, at: T0 + 6 * MIN, outcome: 'not-passed' })], () => 'Europe/Paris');
    expect(rows).toEqual([{ clubId: 'club-a', day: '2026-01-05', entries: 1, exits: 1, unbalanced: [] }]);
  });

  it('uses the club time zone for the day and UTC for an unknown zone', () => {
    const lateUtc = Date.UTC(2026, 0, 5, 23, 30);
    expect(localDay(lateUtc, 'Europe/Paris')).toBe('2026-01-06');
    expect(localDay(lateUtc, 'Not/AZone')).toBe('2026-01-05');
  });
});
