import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RightsDeletes, RightsRecords } from './model.ts';
import { applyChanges, emptyMaps, mapsToRecords, RECORD_KINDS, recordId } from './records.ts';
import type { RecordMaps } from './records.ts';
import { credentialKey } from './credential-key.ts';
import { buildRightsIndex, createRightsView, updateRightsIndex } from './view.ts';
import type { RightsIndex } from './view.ts';

/** The incremental index update after a delta must answer exactly like a full rebuild. */
const ids = ['a', 'b', 'c', 'd'];
const values = ['1', '01', '2', '3'];
const id = fc.constantFrom(...ids);
const records: fc.Arbitrary<Partial<RightsRecords>> = fc.record({
  members: fc.array(fc.record({ id }), { maxLength: 4 }),
  zones: fc.array(fc.record({ id, name: fc.constant('z'), timezone: fc.constant('UTC'), periods: fc.constant([]), exceptions: fc.constant([]) }), { maxLength: 2 }),
  credentials: fc.array(fc.record({ id, memberId: id, kind: fc.constantFrom('badge' as const, 'pin' as const), value: fc.constantFrom(...values) }), { maxLength: 4 }),
  rights: fc.array(fc.record({ id, memberId: id, kind: fc.constant('subscription' as const), zoneIds: fc.constant(['z']), validFrom: fc.constant('2026-01-01'), validTo: fc.constant('2026-12-31') }), { maxLength: 4 }),
  alerts: fc.array(fc.record({ id, memberId: id, message: fc.constant('x') }), { maxLength: 2 }),
  bookings: fc.array(fc.record({ id, memberId: id, zoneId: fc.constant('z'), startsAt: fc.integer() }), { maxLength: 2 }),
});
const deletes: fc.Arbitrary<RightsDeletes> = fc.record({
  members: fc.array(id, { maxLength: 2 }),
  credentials: fc.array(id, { maxLength: 2 }),
  rights: fc.array(id, { maxLength: 2 }),
  alerts: fc.array(id, { maxLength: 1 }),
  bookings: fc.array(id, { maxLength: 1 }),
  zones: fc.array(id, { maxLength: 1 }),
});

function mapsOf(recs: Partial<RightsRecords>): RecordMaps {
  const maps = emptyMaps() as unknown as Record<string, Map<string, unknown>>;
  for (const kind of RECORD_KINDS) for (const r of recs[kind] ?? []) maps[kind]?.set(recordId(kind, r), r);
  return maps as unknown as RecordMaps;
}

function uniqueCredentials(maps: RecordMaps): boolean {
  const keys = [...maps.credentials.values()].map((c) => credentialKey(c.kind, c.value));
  return new Set(keys).size === keys.length;
}

function answers(index: RightsIndex): unknown {
  const view = createRightsView(1, index);
  const sorted = (xs: readonly { id: string }[]) => xs.map((x) => x.id).sort();
  return {
    credentials: ['badge', 'pin'].flatMap((k) => values.map((v) => view.credential(k as 'badge', v)?.id)),
    members: ids.map((i) => view.member(i)?.id),
    zones: ids.map((i) => view.zone(i)?.id),
    rights: ids.map((i) => sorted(view.rightsOf(i))),
    alerts: ids.map((i) => sorted(view.alertsOf(i))),
    bookings: ids.map((i) => sorted(view.bookingsOf(i))),
  };
}

describe('updateRightsIndex', () => {
  it('matches a full rebuild after any deletes and upserts (property)', () => {
    fc.assert(
      fc.property(records, deletes, records, (initial, gone, upserts) => {
        const before = mapsOf(initial);
        const index = buildRightsIndex(mapsToRecords(before));
        // Upserts are fresh objects, as they are when they come off the wire.
        const fresh = JSON.parse(JSON.stringify(upserts)) as Partial<RightsRecords>;
        const { maps, changes } = applyChanges(before, gone, fresh);
        // The store guarantees one credential per (kind, canonical value): SQLite's UNIQUE refuses the rest.
        fc.pre(uniqueCredentials(before) && uniqueCredentials(maps));
        expect(answers(updateRightsIndex(index, maps, changes))).toEqual(answers(buildRightsIndex(mapsToRecords(maps))));
      }),
      { numRuns: 1500 },
    );
  });

  it('shares the maps of kinds a change does not touch', () => {
    const before = mapsOf({ members: [{ id: 'a' }], credentials: [{ id: 'c', memberId: 'a', kind: 'badge', value: '1' }] });
    const index = buildRightsIndex(mapsToRecords(before));
    const { maps, changes } = applyChanges(before, {}, { alerts: [{ id: 'x', memberId: 'a', message: 'm' }] });
    const next = updateRightsIndex(index, maps, changes);
    expect(maps.credentials).toBe(before.credentials);
    expect(next.credentials).toBe(index.credentials);
    expect(next.alertsByMember.get('a')).toHaveLength(1);
  });
});
