import { Compile } from 'typebox/compile';
import { afterEach, describe, expect, it } from 'vitest';
import { Pass } from '../../protocol/mqtt/schemas/passes.ts';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { allowListDecide } from '../../test/support/fake-access.ts';
import { FakeReader, FakeTurnstile } from '../../test/support/fake-devices.ts';
import { capturingLogger } from '../../test/support/log-capture.ts';
import { MemoryJournal } from '../../test/support/memory-journal.ts';
import type { OccupancyCorrection } from '../journal/pass-record.ts';
import type { RightsView } from '../access/index.ts';
import { decide, rightsViewOf } from '../access/index.ts';
import { credential, everyDay, gymZone, member, subscription } from '../access/rights-fixtures.ts';
import { credentialHash } from './credential-hash.ts';
import { GrantSampler } from './grant-sampler.ts';
import { EmergencyState } from './emergency.ts';
import { FRAME_HOLD_MS, Lane, type DecideFn, type LaneSpec } from './lane.ts';
import { LaneSet, type LaneSetDeps } from './lane-set.ts';
import { PassageMemory } from './passage-memory.ts';

const validPass = Compile(Pass);
const journals: MemoryJournal[] = [];
// Every row any test produced must be a valid contract Pass: the uplink publishes rows as they are.
afterEach(() => {
  for (const j of journals.splice(0)) for (const p of j.passes) expect(validPass.Errors(p)).toEqual([]);
});
const tick = () => new Promise<void>((r) => setImmediate(r));
const MEMBER = '0012345678';

function setup(options: { spec?: Partial<LaneSpec>; decide?: DecideFn; logger?: ReturnType<typeof capturingLogger>['logger']; rights?: RightsView; grantSampler?: GrantSampler } = {}) {
  const clock = new ManualClock();
  const reader = new FakeReader('r1', clock);
  const exitReader = new FakeReader('r2', clock);
  const turnstile = new FakeTurnstile('t1');
  const journal = new MemoryJournal();
  const emergency = new EmergencyState();
  const memory = new PassageMemory(() => options.rights ?? ({ version: 7 } as RightsView));
  const spec: LaneSpec = {
    id: 'entry-1',
    kind: 'accessible',
    zone: 'club',
    turnstile: 't1',
    readers: [
      { reader: 'r1', direction: 'in' },
      { reader: 'r2', direction: 'out' },
    ],
    ...options.spec,
  };
  const lane = new Lane({
    spec,
    readers: [reader, exitReader],
    turnstile,
    decide: options.decide ?? allowListDecide([MEMBER]),
    memory,
    emergency,
    journal,
    clock,
    logger: options.logger ?? silentLogger,
    debounceMs: 1500,
    ...(options.grantSampler ? { grantSampler: options.grantSampler } : {}),
  });
  journals.push(journal);
  const corrections: OccupancyCorrection[] = [];
  const set = new LaneSet({ lanes: [lane], turnstiles: [turnstile], emergency, memory, journal: { recordCorrection: (c) => corrections.push(c), recordRelayed: relayedOnce() }, clock, logger: silentLogger });
  set.start();
  return { clock, reader, exitReader, turnstile, journal, lane, set, corrections };
}

/** The journal's rule (journal-history.ts): a relayed passage is stored once per (origin box, seq). */
function relayedOnce(): LaneSetDeps['journal']['recordRelayed'] {
  const stored = new Set<string>();
  return (m) => m.passages.filter((p) => !stored.has(`${m.originBoxId}:${p.seq}`) && stored.add(`${m.originBoxId}:${p.seq}`)).map((p) => ({ ...p, originBoxId: m.originBoxId }));
}

describe('Lane', () => {
  it('grants a known badge: opens, shows green, journals the confirmed passage and counts the entry', async () => {
    const { reader, turnstile, journal, lane, set, clock } = setup();
    reader.badge(MEMBER);
    expect(turnstile.opens).toEqual(['in']);
    expect(reader.feedbacks).toEqual([{ kind: 'granted', text: 'Accès autorisé' }]);
    expect(lane.phase).toBe('passage');
    turnstile.settle({ kind: 'passed', at: clock.now() + 900 });
    await tick();
    expect(lane.phase).toBe('idle');
    expect(reader.feedbacks.at(-1)).toEqual({ kind: 'idle' });
    expect(journal.passes).toEqual([
      expect.objectContaining({ outcome: 'passed', reason: 'granted', laneId: 'entry-1', direction: 'in', memberId: `m-${MEMBER}`, rightsVersion: 7, ts: clock.now() + 900, decidedAt: clock.now() }),
    ]);
    expect(journal.passes[0]?.credential).toEqual({ kind: 'badge', hash: credentialHash({ kind: 'badge', number: MEMBER, raw: MEMBER, format: 'em4100' }) });
    expect(set.occupancy('club')).toBe(1);
  });

  it('holds the turnstile polls while a reader frame arrives, so the unlock finds the bus free', () => {
    const { reader, exitReader, turnstile, lane } = setup();
    reader.frameStart();
    exitReader.frameStart();
    expect(turnstile.holds).toEqual([FRAME_HOLD_MS, FRAME_HOLD_MS]);
    lane.stop();
    reader.frameStart();
    expect(turnstile.holds).toHaveLength(2);
  });

  it('refuses an unknown badge: red, no open, a denied row with the reason', async () => {
    const { reader, turnstile, journal, lane } = setup();
    reader.badge('999');
    await tick();
    expect(turnstile.opens).toEqual([]);
    expect(reader.feedbacks).toEqual([{ kind: 'denied', text: 'Badge inconnu' }]);
    expect(journal.passes).toEqual([expect.objectContaining({ outcome: 'denied', reason: 'unknown-credential', latencyUs: expect.any(Number) })]);
    expect(lane.phase).toBe('idle');
  });

  it('journals each refusal with its explanation, and the sampled share of grants with theirs', async () => {
    const records = { members: [member('m1')], credentials: [credential('c1', 'm1', 'badge', MEMBER)], zones: [gymZone({ id: 'club', periods: everyDay('00:00', '24:00') })], rights: [subscription('r1', 'm1', ['club'], { validFrom: 0 })], bookings: [], qrKeys: [] };
    const { reader, turnstile, journal, clock } = setup({ decide, rights: rightsViewOf(7, records), grantSampler: new GrantSampler(0.5), spec: { zone: 'club' } });
    reader.badge('999');
    for (let i = 0; i < 2; i++) {
      clock.advance(2000);
      reader.badge(MEMBER);
      turnstile.settle({ kind: 'not-passed' });
      await tick();
    }
    expect(journal.passes.map((p) => [p.reason, p.explanation?.rules.at(-1)?.rule ?? null, p.explanation?.rules.at(-1)?.outcome ?? null])).toEqual([
      ['unknown-credential', 'credential', 'fail'],
      ['granted', null, null],
      ['granted', 'capacity', 'skip'],
    ]);
    expect(journal.passes[0]?.explanation).toMatchObject({ v: 1, rightsVersion: 7, tz: 'Europe/Paris' });
  });

  it('journals a walk-away as granted but not passed, and does not count it', async () => {
    const { reader, turnstile, journal, set } = setup();
    reader.badge(MEMBER);
    turnstile.settle({ kind: 'not-passed' });
    await tick();
    expect(journal.passes).toEqual([expect.objectContaining({ outcome: 'not-passed', reason: 'granted' })]);
    expect(set.occupancy('club')).toBe(0);
  });

  it('drops repeated reads of the same card within the debounce window, decides again after it', async () => {
    const { reader, turnstile, journal, clock } = setup();
    reader.badge('999');
    clock.advance(65);
    reader.badge('999');
    await tick();
    expect(journal.passes).toHaveLength(1);
    clock.advance(2000);
    reader.badge('999');
    await tick();
    expect(journal.passes).toHaveLength(2);
    expect(turnstile.opens).toEqual([]);
  });

  it('ignores another credential while a passage is in flight (no decision, no row, no feedback)', async () => {
    const { reader, turnstile, journal } = setup();
    reader.badge(MEMBER);
    reader.badge('0000000042');
    await tick();
    expect(turnstile.opens).toHaveLength(1);
    expect(reader.feedbacks).toHaveLength(1);
    expect(journal.passes).toHaveLength(0);
    turnstile.settle({ kind: 'passed', at: 1 });
    await tick();
    expect(journal.passes).toHaveLength(1);
  });

  it('keeps occupancy from entries and exits, never below zero', async () => {
    const { reader, exitReader, turnstile, set, clock } = setup({ decide: allowListDecide([MEMBER, '1', '2']) });
    for (const [r, badge] of [[reader, '1'], [reader, '2'], [exitReader, '1'], [exitReader, '2'], [exitReader, MEMBER]] as const) {
      r.badge(badge);
      expect(turnstile.opens.at(-1)).toBe(r === reader ? 'in' : 'out');
      turnstile.settle({ kind: 'passed', at: clock.now() });
      await tick();
      clock.advance(2000);
    }
    expect(set.occupancy('club')).toBe(0);
  });

  it('journals a front-desk open with operator and reason, and answers busy during a passage', async () => {
    const { reader, turnstile, set } = setup();
    const manual = set.manualOpen('entry-1', 'alice', 'forgot badge');
    expect(turnstile.opens).toEqual(['in']);
    expect(await set.manualOpen('entry-1', 'bob', 'again')).toEqual({ kind: 'busy' });
    reader.badge(MEMBER);
    turnstile.settle({ kind: 'passed', at: 5 });
    const result = await manual;
    expect(result).toEqual({ kind: 'recorded', pass: expect.objectContaining({ outcome: 'manual', reason: 'manual-open', operator: 'alice', note: 'forgot badge (passed)', credential: { kind: 'none', hash: null } }) });
    expect(turnstile.opens).toHaveLength(1);
    expect(() => set.manualOpen('nope', 'alice', 'x')).toThrow(expect.objectContaining({ code: 'LANE_UNKNOWN' }));
  });

  it('journals what a restart needs: the used QR nonce and the confirmed manual passage replay into a new memory', async () => {
    const qrDecide: DecideFn = (credential, lane, now, state) =>
      credential.kind === 'qr'
        ? state.usedQrNonces.has(credential.payload)
          ? { granted: false, reason: 'qr-replayed', message: 'used', memberId: 'm-qr', rightsVersion: 7 }
          : { granted: true, reason: 'granted', message: 'ok', memberId: 'm-qr', qrNonce: credential.payload, rightsVersion: 7 }
        : allowListDecide([])(credential, lane, now, state);
    const { reader, turnstile, journal, set, clock } = setup({ decide: qrDecide });
    reader.present({ kind: 'qr', payload: 'nonce-7' });
    turnstile.settle({ kind: 'passed', at: clock.now() });
    await tick();
    const manual = set.manualOpen('entry-1', 'alice', 'pushchair');
    turnstile.settle({ kind: 'passed', at: clock.now() });
    await manual;
    const notPassed = set.manualOpen('entry-1', 'alice', 'nobody came');
    turnstile.settle({ kind: 'not-passed' });
    await notPassed;

    const rebuilt = new PassageMemory(() => ({ version: 7 }) as RightsView);
    expect(rebuilt.replay(journal.stored(), () => 'club')).toBe(2);
    expect(rebuilt.occupancyOf('club', clock.now())).toBe(2);
    const state = rebuilt.state(clock.now());
    expect(qrDecide({ kind: 'qr', payload: 'nonce-7' }, { laneId: 'entry-1', zoneId: 'club', kind: 'entry', direction: 'in' }, clock.now(), state)).toMatchObject({ granted: false, reason: 'qr-replayed' });
  });

  it('a manual open tied to a member journals the member and counts them once, with their badged entry', async () => {
    const { reader, turnstile, journal, set, clock } = setup({ decide: allowListDecide([MEMBER]) });
    reader.badge(MEMBER);
    turnstile.settle({ kind: 'passed', at: clock.now() });
    await tick();
    const manual = set.manualOpen('entry-1', 'Léa', 'badge oublié', 'in', 'm-1');
    turnstile.settle({ kind: 'passed', at: clock.now() });
    const result = await manual;
    expect(result.kind === 'recorded' && result.pass).toMatchObject({ outcome: 'manual', memberId: 'm-1', operator: 'Léa', reason: 'manual-open' });
    expect(journal.passes.at(-1)?.memberId).toBe('m-1');
    expect(set.insideSince('club', 'm-1')).toBe(clock.now());
  });

  it('a desk correction is journaled, then counted from', async () => {
    const { turnstile, set, clock, corrections } = setup();
    for (let i = 0; i < 3; i++) {
      const open = set.manualOpen('entry-1', 'Léa', 'groupe scolaire', 'in');
      turnstile.settle({ kind: 'passed', at: clock.now() });
      await open;
    }
    expect(set.occupancy('club')).toBe(3);
    set.correctOccupancy('club', 1, 'Léa', 'comptage de la salle');
    expect(set.occupancy('club')).toBe(1);
    expect(corrections).toEqual([{ ts: clock.now(), zoneId: 'club', count: 1, operator: 'Léa', reason: 'comptage de la salle' }]);
  });

  it('lock-down refuses every credential and every manual open, and journals the switch', async () => {
    const { reader, turnstile, journal, set } = setup();
    set.setLockdown(true, 'alice');
    expect(turnstile.lockdown).toBe(true);
    reader.badge(MEMBER);
    const manual = await set.manualOpen('entry-1', 'bob', 'let me in');
    await tick();
    expect(reader.feedbacks).toEqual([{ kind: 'denied' }]);
    expect(manual.kind === 'recorded' && manual.pass).toEqual(expect.objectContaining({ outcome: 'manual', note: expect.stringContaining('LOCKDOWN') }));
    set.setLockdown(false, 'alice');
    await tick();
    expect(turnstile.lockdown).toBe(false);
    expect(journal.passes.map((p) => [p.outcome, p.reason, p.operator])).toEqual([
      ['emergency', 'emergency', 'alice'],
      ['denied', 'lockdown', null],
      ['manual', 'manual-open', 'bob'],
      ['emergency', 'emergency', 'alice'],
    ]);
  });

  it('fire alarm from a turnstile frees the lane: any credential opens without a rights check', async () => {
    let decided = 0;
    const { reader, turnstile, journal } = setup({ decide: (...args) => (decided++, allowListDecide([])(...args)) });
    turnstile.emit({ kind: 'fire-alarm', active: true, at: 1 });
    reader.badge('999');
    expect(turnstile.opens).toEqual(['in']);
    expect(decided).toBe(0);
    turnstile.settle({ kind: 'refused', code: 'FIRE_ALARM', message: 'free' });
    turnstile.emit({ kind: 'fire-alarm', active: false, at: 2 });
    await tick();
    expect(journal.passes.map((p) => [p.outcome, p.reason, p.note])).toEqual([
      ['emergency', 'emergency', 'mode normal -> fire-alarm (turnstile:t1)'],
      ['emergency', 'emergency', 'mode fire-alarm -> normal (turnstile:t1)'],
      ['emergency', 'emergency', 'fire alarm: turnstile refused (FIRE_ALARM): free'],
    ]);
  });

  it('journals a forced passage and counts it', async () => {
    const { turnstile, journal, set, clock } = setup();
    turnstile.emit({ kind: 'forced-passage', direction: 'in', at: clock.now() - 42 });
    await tick();
    expect(journal.passes).toEqual([expect.objectContaining({ outcome: 'forced', reason: 'forced-passage', ts: clock.now() - 42, direction: 'in' })]);
    expect(set.occupancy('club')).toBe(1);
  });

  it('refuses, and journals why, when decide() throws', async () => {
    const { reader, journal, lane } = setup({ decide: () => { throw new Error('rights store gone'); } });
    reader.badge(MEMBER);
    await tick();
    expect(lane.phase).toBe('idle');
    expect(journal.passes).toEqual([expect.objectContaining({ outcome: 'denied', reason: 'decision-fault', note: 'decide() failed: rights store gone' })]);
  });

  it('ends the passage as not passed when the turnstile driver throws instead of answering', async () => {
    const { reader, turnstile, journal, lane } = setup();
    turnstile.open = () => {
      throw new Error('driver bug');
    };
    reader.badge(MEMBER);
    await tick();
    expect(lane.phase).toBe('idle');
    expect(journal.passes).toEqual([expect.objectContaining({ outcome: 'not-passed', note: 'turnstile refused (OUT_OF_SERVICE): turnstile open failed: driver bug' })]);
  });

  it('ends a passage the turnstile never answers once the guard expires, and drops the late answer', async () => {
    const { reader, turnstile, journal, lane, clock } = setup();
    reader.badge(MEMBER);
    clock.advance(29_999);
    await tick();
    expect(lane.phase).toBe('passage');
    clock.advance(1);
    await tick();
    expect(lane.phase).toBe('idle');
    expect(journal.passes).toEqual([expect.objectContaining({ outcome: 'not-passed', note: 'turnstile refused (OUT_OF_SERVICE): no outcome from the turnstile within 30000 ms' })]);
    turnstile.settle({ kind: 'passed', at: 1 });
    await tick();
    expect(journal.passes).toHaveLength(1);
    expect(lane.phase).toBe('idle');
  });

  it('logs one line per decision with the credential hash and latency, never the number', async () => {
    const capture = capturingLogger();
    const { reader } = setup({ logger: capture.logger });
    reader.badge('7315046682');
    await tick();
    const decisions = capture.lines.filter((l) => l.msg === 'decision');
    expect(decisions).toEqual([expect.objectContaining({ lane: 'entry-1', reason: 'unknown-credential', granted: false, credentialHash: expect.stringMatching(/^[0-9a-f]{16}$/), latencyUs: expect.any(Number) })]);
    expect(JSON.stringify(capture.lines)).not.toContain('7315046682');
  });
});
