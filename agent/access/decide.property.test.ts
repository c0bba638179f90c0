import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundExplanation, MAX_EXPLANATION_BYTES, RULE_NAMES } from '../../protocol/access/explanation.ts';
import type { RuleName } from '../../protocol/access/explanation.ts';
import { REASON_LABELS_FR } from '../../protocol/access/reasons.ts';
import type { DecisionReasonCode } from '../../protocol/access/reasons.ts';
import type { Credential } from '../devices/reader.ts';
import { decide } from './decide.ts';
import type { AccessRight, IsoWeekday, Member, RightsRecords, Zone } from './model.ts';
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

const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

const zone: fc.Arbitrary<Zone> = fc.record({
  id,
  name: fc.string({ maxLength: 4 }),
  timezone,
  capacity: nullable(num),
  periods: fc.array(fc.record({ weekday, from: time, to: time }), { maxLength: 8 }),
  exceptions: fc.array(fc.record({ date, kind: fc.constantFrom('open' as const, 'closed' as const), from: nullable(time), to: nullable(time) }), { maxLength: 3 }),
  antiPassback: fc.constantFrom('none' as const, 'strict' as const, 'timed' as const),
  antiPassbackMinutes: nullable(num),
  minReentryMinutes: nullable(num),
  bookingWindow: nullable(fc.record({ beforeMin: num, afterMin: num })),
});

const right: fc.Arbitrary<AccessRight> = fc.record({
  id,
  memberId: id,
  kind: fc.constantFrom('subscription' as const, 'pack' as const),
  zoneIds: fc.array(id, { minLength: 1, maxLength: 3 }),
  validFrom: fc.oneof(num, { arbitrary: fc.constant(Date.UTC(2000, 0, 1)), weight: 3 }),
  validTo: fc.oneof(num, { arbitrary: fc.constant(Date.UTC(2100, 0, 1)), weight: 3 }),
  visitsLeft: nullable(num),
  maxEntriesPerDay: nullable(num),
});

const member: fc.Arbitrary<Member> = fc.record({
  id,
  displayName: fc.constant('x'),
  subscriptionEnd: nullable(num),
  blockingAlerts: fc.oneof({ arbitrary: fc.constant<Member['blockingAlerts']>([]), weight: 5 }, fc.array(fc.record({ id, message: fc.constant('x') }), { maxLength: 1 })),
});

const records: fc.Arbitrary<RightsRecords> = fc.record({
  members: fc.array(member, { maxLength: 3 }).map((ms) => [{ id: 'a', displayName: 'A', subscriptionEnd: null, blockingAlerts: [] }, ...ms]),
  credentials: fc.array(
    fc.record({ id, memberId: id, kind: fc.constantFrom('badge' as const, 'pin' as const, 'qr-key' as const), value: secret, validFrom: nullable(num), validTo: nullable(num) }),
    { minLength: 1, maxLength: 5 },
  ),
  zones: fc.array(zone, { minLength: 1, maxLength: 3 }),
  rights: fc.array(right, { minLength: 1, maxLength: 6 }),
  bookings: fc.array(fc.record({ id, memberId: id, zoneId: id, startsAt: instant, endsAt: instant }), { maxLength: 2 }),
  qrKeys: fc
    .array(fc.record({ keyId: fc.constantFrom('k1', 'k2'), publicKey: fc.oneof(fc.constant(KEY.publicKey), fc.string({ maxLength: 44 })), validFrom: nullable(num), validTo: nullable(num) }), { maxLength: 2 })
    .map((ks) => [{ keyId: 'k1', publicKey: KEY.publicKey, validFrom: null, validTo: null }, ...ks]),
});

const credentialIn: fc.Arbitrary<Credential> = fc.oneof(
  fc.record({ kind: fc.constant('badge' as const), number: secret, raw: fc.string({ maxLength: 2 }), format: fc.constant('em4100' as const) }),
  fc.record({ kind: fc.constant('pin' as const), pin: secret }),
  fc.record({ kind: fc.constant('qr' as const), payload: fc.oneof(secret, fc.string({ maxLength: 40 }), fc.constant('RBX1.k1.e30.AAAA')) }),
  fc.tuple(secret, instant).map(([k, exp]) => qrFor(KEY, k, Number.isFinite(exp) && exp >= 0 ? exp : 0)),
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
        credentialIn,
        lane,
        instant,
        fc.array(fc.tuple(id, num), { maxLength: 2 }),
        perZoneMember(pass),
        perZoneMember(fc.array(instant, { maxLength: 3 })),
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 2 }),
        fc.boolean(),
        (recs, version, visits, cred, ln, now, occupancy, lastPass, recentEntries, nonces, explainGrant) => {
          const state: DecisionState = {
            rights: rightsViewOf(version, recs, new Map(visits)),
            occupancy: new Map(occupancy),
            lastPass,
            recentEntries,
            usedQrNonces: new Set(nonces),
            explainGrant,
          };
          checkDecision(decide(cred, ln, now, state), ln, version);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('on a coherent club with arbitrary zone settings, rights and lane state (reaches the later rules)', () => {
    const base: RightsRecords = {
      members: [{ id: 'a', displayName: 'A', subscriptionEnd: null, blockingAlerts: [] }],
      credentials: [{ id: 'c', memberId: 'a', kind: 'badge', value: '1', validFrom: null, validTo: null }],
      zones: [],
      rights: [],
      bookings: [],
      qrKeys: [],
    };
    const now = Date.UTC(2026, 5, 10, 10, 0);
    fc.assert(
      fc.property(
        zone.map((z) => ({ ...z, id: 'gym', timezone: 'Europe/Paris', exceptions: [{ date: '2026-06-10', kind: 'open' as const, from: null, to: null }] })),
        fc.array(right.map((r) => ({ ...r, memberId: 'a', zoneIds: ['gym'] })), { minLength: 1, maxLength: 3 }),
        fc.array(fc.record({ id, memberId: fc.constant('a'), zoneId: fc.constant('gym'), startsAt: fc.oneof(instant, fc.integer({ min: now - 3_600_000, max: now + 3_600_000 })), endsAt: instant }), { maxLength: 2 }),
        fc.array(fc.tuple(id, fc.array(num, { maxLength: 3 })), { maxLength: 2 }),
        fc.array(fc.tuple(fc.constant('gym'), num), { maxLength: 1 }),
        perZoneMember(pass),
        perZoneMember(fc.array(fc.oneof(instant, fc.integer({ min: now - 86_400_000, max: now })), { maxLength: 3 })),
        (z, rights, bookings, visits, occupancy, lastPass, recentEntries) => {
          const recs = { ...base, zones: [z], rights, bookings };
          const state: DecisionState = { rights: rightsViewOf(3, recs, new Map(visits)), occupancy: new Map(occupancy), lastPass, recentEntries, usedQrNonces: new Set(), explainGrant: true };
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
  checkExplanation(d, version);
}

/** The rule whose failure gives each refusal reason. */
const RULES_OF: Record<Exclude<DecisionReasonCode, 'granted'>, readonly RuleName[]> = {
  'unknown-credential': ['credential', 'member'],
  'qr-expired': ['credential'],
  'qr-replayed': ['credential', 'ticket'],
  'qr-invalid': ['credential'],
  'outside-validity': ['credential', 'right'],
  'rights-expired': ['rights-fresh'],
  'blocking-alert': ['blocking-alert'],
  'zone-closed': ['zone-open'],
  'no-access-right': ['right', 'ticket'],
  'quota-exhausted': ['right'],
  'booking-window': ['booking-window'],
  'anti-passback': ['anti-passback'],
  'min-reentry-interval': ['min-reentry'],
  'capacity-reached': ['capacity'],
};

/** Every refusal is explained: rules in order, the refusing one last and matching the reason, bounded once encoded. */
function checkExplanation(d: Decision, version: number): void {
  const e = d.explanation;
  if (d.granted && e === undefined) return;
  expect(e).toBeDefined();
  if (e === undefined) return;
  expect(e.rightsVersion).toBe(version);
  const order = e.rules.map((r) => RULE_NAMES.indexOf(r.rule));
  expect(order).toEqual([...order].sort((a, b) => a - b));
  const failed = e.rules.filter((r) => r.outcome === 'fail');
  if (d.granted) expect(failed).toEqual([]);
  else {
    expect(failed).toHaveLength(1);
    expect(e.rules[e.rules.length - 1]).toBe(failed[0]);
    expect(RULES_OF[d.reason as keyof typeof RULES_OF]).toContain(failed[0]?.rule);
  }
  const json = boundExplanation(e, 'EXPLANATION_TRUNCATED');
  expect(Buffer.byteLength(json, 'utf8')).toBeLessThanOrEqual(MAX_EXPLANATION_BYTES);
  expect(JSON.parse(json).rules.some((r: { outcome: string }) => r.outcome === 'fail')).toBe(!d.granted);
}
