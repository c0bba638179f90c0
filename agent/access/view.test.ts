import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RightsRecords } from './model.ts';
import { applyChanges, emptyPlainMaps, mapsToRecords, RECORD_KINDS, recordId, recordMaps } from './records.ts';
import type { RecordDeletes, RecordMaps } from './records.ts';
import { credentialKey } from './credential-key.ts';
import { clubKey, credential, gymZone, member, subscription } from './rights-fixtures.ts';
import { buildRightsIndex, createRightsView, updateRightsIndex } from './view.ts';
import type { RightsIndex } from './view.ts';

/** The incremental index update after a delta must answer exactly like a full rebuild. */
const KEY = clubKey();
const ids = ['a', 'b', 'c', 'd'];
const values = ['1', '01', '2', '3'];
const id = fc.constantFrom(...ids);
const records: fc.Arbitrary<Partial<RightsRecords>> = fc.record({
  members: fc.array(id.map((i) => member(i, i === 'b' ? [{ id: 'al', message: 'x' }] : [])), { maxLength: 4 }),
  zones: fc.array(id.map((i) => gymZone({ id: i })), { maxLength: 2 }),
  credentials: fc.array(fc.record({ id, memberId: id, kind: fc.constantFrom('badge' as const, 'pin' as const), value: fc.constantFrom(...values), validFrom: fc.constant(null), validTo: fc.constant(null) }), { maxLength: 4 }),
  rights: fc.array(fc.tuple(id, id).map(([i, m]) => subscription(i, m, ['z'])), { maxLength: 4 }),
  bookings: fc.array(fc.record({ id, memberId: id, zoneId: fc.constant('z'), startsAt: fc.integer(), endsAt: fc.integer() }), { maxLength: 2 }),
  qrKeys: fc.array(fc.record({ keyId: id, publicKey: fc.constantFrom(KEY.publicKey, 'bad'), validFrom: fc.constant(null), validTo: fc.constant(null) }), { maxLength: 2 }),
});
const deletes: fc.Arbitrary<RecordDeletes> = fc.record({
  members: fc.array(id, { maxLength: 2 }),
  credentials: fc.array(id, { maxLength: 2 }),
  rights: fc.array(id, { maxLength: 2 }),
  bookings: fc.array(id, { maxLength: 1 }),
  zones: fc.array(id, { maxLength: 1 }),
  qrKeys: fc.array(id, { maxLength: 1 }),
});

function mapsOf(recs: Partial<RightsRecords>): RecordMaps {
  const maps = emptyPlainMaps() as unknown as Record<string, Map<string, unknown>>;
  for (const kind of RECORD_KINDS) for (const r of recs[kind] ?? []) maps[kind]?.set(recordId(kind, r), r);
  return recordMaps(maps as unknown as ReturnType<typeof emptyPlainMaps>);
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
    qrKeys: ids.map((i) => view.qrKey(i)?.record.publicKey),
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
    const before = mapsOf({ members: [member('a')], credentials: [credential('c', 'a', 'badge', '1')] });
    const index = buildRightsIndex(mapsToRecords(before));
    const { maps, changes } = applyChanges(before, {}, { rights: [subscription('x', 'a', ['z'])] });
    const next = updateRightsIndex(index, maps, changes);
    expect(maps.credentials).toBe(before.credentials);
    expect(next.credentials).toBe(index.credentials);
    expect(next.rightsByMember.get('a')).toHaveLength(1);
    expect(next.members).toBe(index.members);
  });
});
