import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REASON_LABELS_FR } from '../../protocol/access/reasons.ts';
import type { Credential } from '../devices/reader.ts';
import { decide } from './decide.ts';
import type { AccessRight, IsoWeekday, RightsRecords, Zone } from './model.ts';
import { clubKey, qrFor } from './rights-fixtures.ts';
import type { Decision, DecisionState, LaneContext, PassRecord } from './types.ts';
import { rightsViewOf } from './view.ts';

/**
 * decide() must answer, never throw, whatever the rights hold: any values the types allow
 * (NaN, infinities, unknown time zones, malformed times and dates, dangling ids, duplicates).
 */
const KEY = clubKey('k1');
const id = fc.oneof({ arbitrary: fc.constantFrom('a', 'gym'), weight: 6 }, fc.constantFrom('b', ''));
const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1));
const instant = fc.oneof(num, { arbitrary: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }), weight: 6 });
const time = fc.oneof({ arbitrary: fc.constantFrom('00:00', '24:00'), weight: 4 }, fc.constantFrom('00:00', '06:00', '23:00', '24:00', '25:00', '12:60', '', '7:00'), fc.string({ maxLength: 6 }));
const date = fc.oneof({ arbitrary: fc.constantFrom('2000-01-01', '2100-01-01'), weight: 4 }, fc.constantFrom('2026-01-01', '2026-12-31', '2026-02-30', '9999-99-99', ''), fc.string({ maxLength: 10 }));
const timezone = fc.oneof({ arbitrary: fc.constant('Europe/Paris'), weight: 4 }, fc.constantFrom('Europe/Paris', 'UTC', 'America/New_York', 'Bad/Zone', '', '+01:00'), fc.string({ maxLength: 12 }));
const weekday = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 7 }), weight: 4 }, fc.integer({ min: -2, max: 9 })) as fc.Arbitrary<IsoWeekday>;
const secret = fc.oneof({ arbitrary: fc.constantFrom('1', '2', '01'), weight: 4 }, fc.string({ maxLength: 5 }));
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const zone: fc.Arbitrary<Zone> = fc.record({
  id,
  name: fc.string({ maxLength: 4 }),
  timezone,
  periods: fc.array(fc.record({ weekday, from: time, to: time }), { maxLength: 8 }),
  exceptions: fc.array(fc.record({ date, kind: fc.constantFrom('open' as const, 'closed' as const), from: opt(time), to: opt(time) }), { maxLength: 3 }),
  capacity: opt(num),
  antiPassback: opt(
    fc.oneof(
      fc.constant({ mode: 'none' as const }),
      fc.constant({ mode: 'strict' as const }),
      fc.record({ mode: fc.constant('timed' as const), minutes: num }),
    ),
  ),
  minReentryMinutes: opt(num),
  booking: opt(fc.record({ beforeMinutes: num, afterMinutes: num })),
});

const right: fc.Arbitrary<AccessRight> = fc.record({
  id,
  memberId: id,
  kind: fc.constantFrom('subscription' as const, 'pack' as const),
  zoneIds: fc.array(id, { minLength: 1, maxLength: 3 }),
  validFrom: date,
  validTo: date,
  visitsLeft: opt(num),
  visitsCountedUntil: opt(num),
  maxEntriesPerDay: opt(num),
});

const records: fc.Arbitrary<RightsRecords> = fc.record({
  members: fc.array(fc.record({ id }), { maxLength: 3 }).map((ms) => [{ id: 'a' }, { id: 'gym' }, ...ms]),
  credentials: fc.array(fc.record({ id, memberId: id, kind: fc.constantFrom('badge' as const, 'pin' as const, 'qr' as const), value: secret }), { minLength: 1, maxLength: 5 }),
  zones: fc.array(zone, { minLength: 1, maxLength: 3 }),
  rights: fc.array(right, { minLength: 1, maxLength: 6 }),
  alerts: fc.array(fc.record({ id, memberId: id, message: fc.string({ maxLength: 3 }), from: opt(num), to: opt(num) }), { maxLength: 2 }),
  bookings: fc.array(fc.record({ id, memberId: id, zoneId: id, startsAt: instant }), { maxLength: 2 }),
  qrKeys: fc.array(fc.record({ keyId: fc.constantFrom('k1', 'k2'), publicKey: fc.oneof(fc.constant(KEY.publicKey), fc.string({ maxLength: 44 })) }), { maxLength: 2 }).map((ks) => [{ keyId: 'k1', publicKey: KEY.publicKey }, ...ks]),
});

const credential: fc.Arbitrary<Credential> = fc.oneof(
  fc.record({ kind: fc.constant('badge' as const), number: secret, raw: fc.string({ maxLength: 2 }), format: fc.constant('em4100' as const) }),
  fc.record({ kind: fc.constant('pin' as const), pin: secret }),
  fc.record({ kind: fc.constant('qr' as const), payload: fc.oneof(secret, fc.string({ maxLength: 40 }), fc.constant('RBX1.k1.e30.AAAA')) }),
  fc.tuple(id, instant).map(([m, exp]) => qrFor(KEY, m, Number.isFinite(exp) ? exp : 0)),
);

const lane: fc.Arbitrary<LaneContext> = fc.record({
  laneId: fc.constant('l'),
  zoneId: id,
  kind: fc.constantFrom('entry' as const, 'exit' as const, 'accessible' as const),
  direction: fc.constantFrom('in' as const, 'out' as const),
});

const pass: fc.Arbitrary<PassRecord> = fc.record({ at: instant, direction: fc.constantFrom('in' as const, 'out' as const) });
const perZoneMember = <T>(value: fc.Arbitrary<T>) =>
  fc.array(fc.tuple(id, fc.array(fc.tuple(id, value), { maxLength: 2 })), { maxLength: 2 }).map((zs) => new Map(zs.map(([z, ms]) => [z, new Map(ms)])));

describe('decide() never throws', () => {
  it('on arbitrary rights, lane state and inputs', () => {
    fc.assert(
      fc.property(
        records,
        fc.integer(),
        fc.array(fc.tuple(id, fc.array(num, { maxLength: 3 })), { maxLength: 2 }),
        credential,
        lane,
        instant,
        fc.array(fc.tuple(id, num), { maxLength: 2 }),
        perZoneMember(pass),
        perZoneMember(fc.array(instant, { maxLength: 3 })),
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 2 }),
        (recs, version, visits, cred, ln, now, occupancy, lastPass, recentEntries, nonces) => {
          const state: DecisionState = {
            rights: rightsViewOf(version, recs, new Map(visits)),
            occupancy: new Map(occupancy),
            lastPass,
            recentEntries,
            usedQrNonces: new Set(nonces),
          };
          checkDecision(decide(cred, ln, now, state), ln, version);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('on a coherent club with arbitrary zone settings, rights and lane state (reaches the later rules)', () => {
    const base: RightsRecords = {
      members: [{ id: 'a' }],
      credentials: [{ id: 'c', memberId: 'a', kind: 'badge', value: '1' }],
      zones: [{ id: 'gym', name: 'g', timezone: 'Europe/Paris', periods: [], exceptions: [{ date: '2026-06-10', kind: 'open' }] }],
      rights: [],
      alerts: [],
      bookings: [],
      qrKeys: [],
    };
    const now = Date.UTC(2026, 5, 10, 10, 0);
    fc.assert(
      fc.property(
        zone.map((z) => ({ ...z, id: 'gym', timezone: 'Europe/Paris', exceptions: base.zones[0]?.exceptions ?? [] })),
        fc.array(right.map((r) => ({ ...r, memberId: 'a', zoneIds: ['gym'] })), { minLength: 1, maxLength: 3 }),
        fc.array(fc.record({ id, memberId: fc.constant('a'), zoneId: fc.constant('gym'), startsAt: fc.oneof(instant, fc.integer({ min: now - 3_600_000, max: now + 3_600_000 })) }), { maxLength: 2 }),
        fc.array(fc.tuple(id, fc.array(num, { maxLength: 3 })), { maxLength: 2 }),
        fc.array(fc.tuple(fc.constant('gym'), num), { maxLength: 1 }),
        perZoneMember(pass),
        perZoneMember(fc.array(fc.oneof(instant, fc.integer({ min: now - 86_400_000, max: now })), { maxLength: 3 })),
        (z, rights, bookings, visits, occupancy, lastPass, recentEntries) => {
          const recs = { ...base, zones: [z], rights, bookings };
          const state: DecisionState = { rights: rightsViewOf(3, recs, new Map(visits)), occupancy: new Map(occupancy), lastPass, recentEntries, usedQrNonces: new Set() };
          const ln: LaneContext = { laneId: 'l', zoneId: 'gym', kind: 'entry', direction: 'in' };
          checkDecision(decide({ kind: 'badge', number: '1', raw: '1', format: 'em4100' }, ln, now, state), ln, 3);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

function checkDecision(d: Decision, ln: LaneContext, version: number): void {
  expect(d.granted).toBe(d.reason === 'granted');
  expect(d.message).toBe(REASON_LABELS_FR[d.reason]);
  expect(d.rightsVersion).toBe(version);
  if (ln.direction === 'out') expect(d.granted).toBe(true);
  if (d.consumesVisit === true) expect(d.granted).toBe(true);
}
