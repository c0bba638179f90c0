import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundExplanation, MAX_EXPLANATION_BYTES } from '../../protocol/access/explanation.ts';
import type { Explanation, RuleTrace } from '../../protocol/access/explanation.ts';
import type { Credential } from '../devices/reader.ts';
import { decide } from './decide.ts';
import type { RightsRecords, Zone } from './model.ts';
import { isZoneOpen, nextOpening } from './opening.ts';
import { badge, clubKey, credential, entryLane, exitLane, gymZone, member, pack, qrFor, subscription } from './rights-fixtures.ts';
import type { Decision, DecisionState, LaneContext } from './types.ts';
import { rightsViewOf } from './view.ts';

const MIN = 60_000;
/** Wednesday 10 June 2026, 10:00 in Paris (CEST, UTC+2). */
const NOW = Date.UTC(2026, 5, 10, 8, 0);
const paris = (day: number, hour: number, minute = 0) => Date.UTC(2026, 5, day, hour - 2, minute);
const KEY = clubKey('club1');

const zones: Zone[] = [
  gymZone(),
  gymZone({ id: 'pool', name: 'Piscine', bookingWindow: { beforeMin: 15, afterMin: 10 } }),
  gymZone({ id: 'sauna', name: 'Sauna', capacity: 2 }),
  gymZone({ id: 'studio', name: 'Studio', antiPassback: 'strict' }),
  gymZone({ id: 'court', name: 'Squash', antiPassback: 'timed', antiPassbackMinutes: 30 }),
  gymZone({ id: 'spa', name: 'Spa', minReentryMinutes: 20 }),
  gymZone({ id: 'hall', name: 'Salle', exceptions: [{ date: '2026-06-10', kind: 'closed', from: '12:00', to: '14:00' }, { date: '2026-06-11', kind: 'closed', from: null, to: null }] }),
];
const all = zones.map((z) => z.id);

const RECORDS: RightsRecords = {
  members: [
    { ...member('m1'), subscriptionEnd: Date.UTC(2026, 11, 31, 23) },
    { ...member('m6'), subscriptionEnd: paris(10, 0) },
    member('m4', [{ id: 'a1', message: 'Impayé' }, { id: 'a0', message: 'Certificat médical', until: paris(1, 0) }, { id: 'a2', message: 'Suspendu', from: paris(9, 0), until: paris(20, 0) }]),
    member('m9'),
    member('m20'),
  ],
  credentials: [
    credential('c1', 'm1', 'badge', '1001'),
    credential('c1old', 'm1', 'badge', '1500', { validTo: paris(1, 0) }),
    credential('c1k', 'm1', 'qr-key', 'qk-m1'),
    credential('c4', 'm4', 'badge', '1004'),
    credential('c6', 'm6', 'badge', '1006'),
    credential('c9', 'm9', 'badge', '1009'),
    credential('c20', 'm20', 'badge', '1020'),
  ],
  zones,
  rights: [
    subscription('r1', 'm1', all),
    subscription('r4', 'm4', all),
    subscription('r6', 'm6', all, { validTo: paris(10, 0) }),
    pack('r9', 'm9', ['gym'], 0),
    ...Array.from({ length: 20 }, (_, i) => pack(`r20-${i}`, 'm20', ['gym'], 0)),
  ],
  bookings: [{ id: 'bk1', memberId: 'm1', zoneId: 'pool', startsAt: paris(10, 18), endsAt: paris(10, 19) }],
  qrKeys: [{ keyId: KEY.keyId, publicKey: KEY.publicKey, validFrom: null, validTo: null }],
};

function run(credentialIn: Credential, options: { lane?: LaneContext; now?: number; state?: Partial<Omit<DecisionState, 'rights'>> } = {}): Decision {
  const state: DecisionState = { rights: rightsViewOf(7, RECORDS), occupancy: new Map(), lastPass: new Map(), recentEntries: new Map(), usedQrNonces: new Set(), ...options.state };
  return decide(credentialIn, options.lane ?? entryLane(), options.now ?? NOW, state);
}

function explanationOf(d: Decision): Explanation {
  expect(d.explanation).toBeDefined();
  return d.explanation as Explanation;
}

function failing(d: Decision): RuleTrace {
  const e = explanationOf(d);
  const last = e.rules[e.rules.length - 1] as RuleTrace;
  expect(last.outcome).toBe('fail');
  return last;
}

describe('decision explanations', () => {
  it('explain an ended subscription with its end date, as an instant and in the club local time', () => {
    const d = run(badge('1006'));
    expect(d.reason).toBe('outside-validity');
    const e = explanationOf(d);
    expect(e).toMatchObject({ v: 1, rightsVersion: 7, tz: 'Europe/Paris', at: { at: NOW, local: '2026-06-10T10:00+02:00' } });
    expect(e.rules.map((r) => `${r.rule}:${r.outcome}`)).toEqual(['credential:pass', 'rights-fresh:pass', 'member:pass', 'blocking-alert:pass', 'zone-open:pass', 'right:fail']);
    expect(failing(d)).toEqual({
      rule: 'right',
      outcome: 'fail',
      facts: {
        chosen: null,
        otherZones: 0,
        more: 0,
        candidates: [{ id: 'r6', kind: 'subscription', validFrom: { at: Date.UTC(2025, 11, 31, 23), local: '2026-01-01T00:00+01:00' }, validTo: { at: paris(10, 0), local: '2026-06-10T00:00+02:00' }, visitsLeft: null, maxEntriesPerDay: null, entriesToday: null, status: 'ended' }],
      },
    });
    expect(e.rules[2]).toMatchObject({ rule: 'member', facts: { memberId: 'm6', known: true, subscriptionEnd: { local: '2026-06-10T00:00+02:00' } } });
  });

  it("explain a badge past its own validity with the credential's window", () => {
    expect(failing(run(badge('1500')))).toEqual({ rule: 'credential', outcome: 'fail', facts: { kind: 'badge', credentialId: 'c1old', validFrom: null, validTo: { at: paris(1, 0), local: '2026-06-01T00:00+02:00' } } });
  });

  it('explain an unknown badge without naming anyone', () => {
    const d = run(badge('9999'));
    expect(explanationOf(d).rules).toEqual([{ rule: 'credential', outcome: 'fail', facts: { kind: 'badge', credentialId: null, validFrom: null, validTo: null } }]);
  });

  it('explain a closed zone with the day windows and the next opening', () => {
    expect(failing(run(badge('1001'), { now: paris(10, 5, 30) })).facts).toEqual({ zoneId: 'gym', zoneName: 'Plateau musculation', known: true, today: ['06:00-23:00'], nextOpening: { at: paris(10, 6), local: '2026-06-10T06:00+02:00' } });
    expect(failing(run(badge('1001'), { lane: entryLane('hall'), now: paris(10, 12, 30) })).facts).toMatchObject({ today: ['06:00-12:00', '14:00-23:00'], nextOpening: { local: '2026-06-10T14:00+02:00' } });
    expect(failing(run(badge('1001'), { lane: entryLane('hall'), now: paris(11, 10) })).facts).toMatchObject({ today: [], nextOpening: { local: '2026-06-12T06:00+02:00' } });
    expect(failing(run(badge('1001'), { now: paris(10, 23, 30) })).facts).toMatchObject({ nextOpening: { local: '2026-06-11T06:00+02:00' } });
    expect(failing(run(badge('1001'), { lane: entryLane('nowhere') })).facts).toEqual({ zoneId: 'nowhere', zoneName: null, known: false, today: [], nextOpening: null });
  });

  it('explain a missed booking with its window', () => {
    expect(failing(run(badge('1001'), { lane: entryLane('pool') })).facts).toEqual({
      beforeMin: 15,
      afterMin: 10,
      bookings: 1,
      booking: { id: 'bk1', startsAt: { at: paris(10, 18), local: '2026-06-10T18:00+02:00' }, opensAt: { at: paris(10, 17, 45), local: '2026-06-10T17:45+02:00' }, closesAt: { at: paris(10, 18, 10), local: '2026-06-10T18:10+02:00' } },
    });
  });

  it('explain an empty pack with its visits left', () => {
    expect(failing(run(badge('1009'))).facts).toMatchObject({ chosen: null, candidates: [{ id: 'r9', kind: 'pack', visitsLeft: 0, status: 'no-visits-left' }] });
  });

  it('explain a blocking alert with its message and time bounds, naming only the alerts in force', () => {
    expect(failing(run(badge('1004')))).toEqual({
      rule: 'blocking-alert',
      outcome: 'fail',
      facts: { alerts: [{ id: 'a1', message: 'Impayé', from: null, until: null }, { id: 'a2', message: 'Suspendu', from: { at: paris(9, 0), local: '2026-06-09T00:00+02:00' }, until: { at: paris(20, 0), local: '2026-06-20T00:00+02:00' } }], more: 0 },
    });
  });

  it('explain anti-passback, re-entry delay and capacity with the pass and counts behind them', () => {
    const inside = new Map([['studio', new Map([['m1', { at: NOW - 5 * MIN, direction: 'in' as const }]])]]);
    expect(failing(run(badge('1001'), { lane: entryLane('studio'), state: { lastPass: inside } })).facts).toEqual({ mode: 'strict', minutes: null, lastPass: { at: { at: NOW - 5 * MIN, local: '2026-06-10T09:55+02:00' }, direction: 'in' }, lastEntry: null, allowedFrom: null });
    const entered = new Map([['court', new Map([['m1', [NOW - 10 * MIN]]])]]);
    expect(failing(run(badge('1001'), { lane: entryLane('court'), state: { recentEntries: entered } })).facts).toMatchObject({ mode: 'timed', minutes: 30, lastEntry: { local: '2026-06-10T09:50+02:00' }, allowedFrom: { local: '2026-06-10T10:20+02:00' } });
    const exited = new Map([['spa', new Map([['m1', { at: NOW - 5 * MIN, direction: 'out' as const }]])]]);
    expect(failing(run(badge('1001'), { lane: entryLane('spa'), state: { lastPass: exited } })).facts).toMatchObject({ minutes: 20, lastExit: { local: '2026-06-10T09:55+02:00' }, allowedFrom: { local: '2026-06-10T10:15+02:00' } });
    expect(failing(run(badge('1001'), { lane: entryLane('sauna'), state: { occupancy: new Map([['sauna', 2]]) } })).facts).toEqual({ occupancy: 2, capacity: 2 });
  });

  it('explain expired and replayed QR tokens with the token expiry', () => {
    expect(failing(run(qrFor(KEY, 'qk-m1', NOW - MIN)))).toMatchObject({ rule: 'credential', facts: { kind: 'qr', qr: { keyId: 'club1', problem: 'QR_EXPIRED', expiresAt: { local: '2026-06-10T09:59+02:00' } } } });
    const replayed = run(qrFor(KEY, 'qk-m1', NOW + MIN, 'nonce-used-1'), { state: { usedQrNonces: new Set(['nonce-used-1']) } });
    expect(failing(replayed)).toMatchObject({ facts: { credentialId: 'c1k', qr: { problem: 'QR_REPLAYED' } } });
    expect(failing(run({ kind: 'qr', payload: 'DAYPASS-1' }))).toMatchObject({ facts: { qr: { keyId: null, problem: 'QR_NOT_A_TOKEN' } } });
  });

  it('explain the rights-expired refusal with the policy', () => {
    expect(failing(run(badge('1001'), { state: { rightsExpired: 'deny-all' } }))).toEqual({ rule: 'rights-fresh', outcome: 'fail', facts: { expired: true, policy: 'deny-all' } });
  });

  it('explain a grant only when asked, every rule passing or skipped', () => {
    expect(run(badge('1001')).explanation).toBeUndefined();
    const e = explanationOf(run(badge('1001'), { state: { explainGrant: true } }));
    expect(e.rules.map((r) => `${r.rule}:${r.outcome}`)).toEqual(['credential:pass', 'rights-fresh:pass', 'member:pass', 'blocking-alert:pass', 'zone-open:pass', 'right:pass', 'booking-window:skip', 'anti-passback:skip', 'min-reentry:skip', 'capacity:skip']);
    expect(e.rules[5]).toMatchObject({ facts: { chosen: 'r1' } });
    expect(explanationOf(run(badge('9999'), { lane: exitLane(), state: { explainGrant: true } })).rules.map((r) => r.outcome)).toEqual(['skip', 'pass']);
  });

  it('list at most six rights and stay within the size bound', () => {
    const d = run(badge('1020'));
    const facts = failing(d).facts as unknown as { candidates: unknown[]; more: number };
    expect(facts.candidates).toHaveLength(6);
    expect(facts.more).toBe(14);
    expect(Buffer.byteLength(boundExplanation(explanationOf(d), 'EXPLANATION_TRUNCATED'))).toBeLessThanOrEqual(MAX_EXPLANATION_BYTES);
  });
});

describe('boundExplanation()', () => {
  const big = (n: number): Explanation => ({
    v: 1,
    rightsVersion: 3,
    at: { at: NOW, local: null },
    tz: null,
    rules: [
      { rule: 'member', outcome: 'pass', facts: { memberId: 'x'.repeat(n), known: true, subscriptionEnd: null } },
      { rule: 'blocking-alert', outcome: 'fail', facts: { alerts: [{ id: 'a', message: 'é'.repeat(n), from: null, until: null }], more: 0 } },
    ],
  });

  it('keeps a small explanation whole', () => {
    expect(JSON.parse(boundExplanation(big(10), 'EXPLANATION_TRUNCATED'))).toEqual(big(10));
  });

  it('drops the facts of the rules that held first, then every fact, and says so with its code', () => {
    const first = JSON.parse(boundExplanation(big(600), 'EXPLANATION_TRUNCATED'));
    expect(first.truncated).toBe('EXPLANATION_TRUNCATED');
    expect(first.rules).toEqual([{ rule: 'member', outcome: 'pass' }, big(600).rules[1]]);
    const second = JSON.parse(boundExplanation(big(1500), 'EXPLANATION_TOO_LARGE'));
    expect(second).toMatchObject({ truncated: 'EXPLANATION_TOO_LARGE', rules: [{ rule: 'member', outcome: 'pass' }, { rule: 'blocking-alert', outcome: 'fail' }] });
    expect(second.rules[1].facts).toBeUndefined();
  });

  it('counts UTF-8 bytes, not characters', () => {
    const json = boundExplanation(big(700), 'EXPLANATION_TRUNCATED');
    expect(json.length).toBeLessThan(MAX_EXPLANATION_BYTES);
    expect(JSON.parse(json).truncated).toBe('EXPLANATION_TRUNCATED');
  });
});

describe('the next opening', () => {
  it('the next opening of a night-only zone on the spring Sunday', () => {
    const spring = gymZone({ id: 'spring', periods: [{ weekday: 7, from: '01:00', to: '02:30' }] });
    expect(nextOpening(spring, Date.UTC(2026, 2, 28, 12))).toBe(Date.UTC(2026, 2, 29, 0));
    expect(nextOpening(gymZone({ periods: [] }), NOW)).toBeUndefined();
  });

  it('is the first open minute after now (property)', () => {
    const time = fc.integer({ min: 0, max: 96 }).map((q) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`);
    const zone = fc.record({
      periods: fc.array(fc.record({ weekday: fc.integer({ min: 1, max: 7 }) as fc.Arbitrary<1>, from: time, to: time }), { maxLength: 4 }),
      exceptions: fc.array(fc.record({ date: fc.constantFrom('2026-03-28', '2026-03-29', '2026-10-25'), kind: fc.constantFrom('open' as const, 'closed' as const), from: fc.option(time, { nil: null }), to: fc.option(time, { nil: null }) }), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(zone, fc.integer({ min: Date.UTC(2026, 2, 27), max: Date.UTC(2026, 2, 30) }), fc.boolean(), (z, start, autumn) => {
        const now = Math.floor(start / MIN) * MIN + (autumn ? Date.UTC(2026, 9, 24) - Date.UTC(2026, 2, 27) : 0);
        const candidate = gymZone({ ...z, periods: z.periods.filter((p) => p.from !== '24:00') });
        if (isZoneOpen(candidate, now)) return;
        const next = nextOpening(candidate, now);
        if (next === undefined) return;
        expect(next).toBeGreaterThan(now);
        expect(isZoneOpen(candidate, next)).toBe(true);
        for (let t = now + MIN; t < next; t += 15 * MIN) expect(isZoneOpen(candidate, t)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
