import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PassRecord } from '../../fleet/store/repositories.ts';
import { startTestFleet, type Json, type TestFleet } from '../support/fleet-harness.ts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const MEMBERS = 1000;
const DAYS = 10;

/**
 * The reports over ~20,000 stored passes: several of the pages the routes read between two
 * turns of the event loop. Every member enters and leaves club 1 once a day; three
 * anomalies are planted and must be found, nothing else.
 */
describe('card-sharing and entry/exit reports over a large data set', () => {
  let f: TestFleet;
  const hash = (m: number) => `c${String(m).padStart(7, '0')}`;
  const rec = (seq: number, at: number, direction: 'in' | 'out', m: number): PassRecord => ({
    seq,
    batchId: `b-${seq}`,
    at,
    lane: 'lane-1',
    direction,
    granted: true,
    reason: 'granted',
    outcome: 'passed',
    memberId: `m${m}`,
    credentialKind: 'badge',
    rightsVersion: 1,
    data: { credentialHash: hash(m) },
  });
  const range = `from=${T0 - DAY}&to=${T0 + (DAYS + 1) * DAY}`;

  beforeAll(async () => {
    f = await startTestFleet();
    await f.call('admin', 'PUT', '/v1/clubs/club-1', { name: 'One', timezone: 'UTC' });
    await f.call('admin', 'PUT', '/v1/clubs/club-2', { name: 'Two', timezone: 'UTC' });
    const store = f.svc.fleet.store;
    await store.boxes.create({ id: 'box-1', clubId: 'club-1', status: 'active' }, f.clock.now());
    await store.boxes.create({ id: 'box-2', clubId: 'club-2', status: 'active' }, f.clock.now());
    const one: PassRecord[] = [];
    for (let d = 0; d < DAYS; d++) {
      for (let m = 0; m < MEMBERS; m++) {
        const at = T0 + d * DAY + m * 20_000;
        one.push(rec(one.length + 1, at, 'in', m));
        // Planted: member 13 never leaves on day 2.
        if (!(m === 13 && d === 2)) one.push(rec(one.length + 1, at + 60 * MIN, 'out', m));
        // Planted: member 11 enters again 2 minutes later on day 5 (card handed back).
        if (m === 11 && d === 5) one.push(rec(one.length + 1, at + 2 * MIN, 'in', m));
      }
    }
    // Planted: member 7's card enters club 2 five minutes after club 1 on day 3.
    const lent = rec(1, T0 + 3 * DAY + 7 * 20_000 + 5 * MIN, 'in', 7);
    await store.transaction(async (tx) => {
      for (let i = 0; i < one.length; i += 1000) await tx.passes.insertBatch('box-1', one.slice(i, i + 1000), f.clock.now());
      await tx.passes.insertBatch('box-2', [lent], f.clock.now());
    });
    expect(await store.passes.count()).toBe(2 * MEMBERS * DAYS + 1);
  });
  afterAll(async () => {
    await f.close();
  });

  it('finds exactly the planted card sharing', async () => {
    const r = await f.call('support', 'GET', `/v1/reports/card-sharing?${range}`);
    expect(r.status).toBe(200);
    expect(r.body.findings.map((x: Json) => [x.kind, x.credential, x.first.clubId, x.second.clubId, x.intervalMs])).toEqual([
      ['impossible-travel', hash(7), 'club-1', 'club-2', 5 * MIN],
      ['overlapping-entries', hash(11), 'club-1', 'club-1', 2 * MIN],
    ]);
  });

  it('balances every club and day except the planted ones', async () => {
    const r = await f.call('support', 'GET', `/v1/reports/entry-exit?${range}`);
    expect(r.status).toBe(200);
    const days = r.body.days as Json[];
    expect(days).toHaveLength(DAYS + 1);
    const day = (d: number) => new Date(T0 + d * DAY).toISOString().slice(0, 10);
    const club1 = days.filter((x) => x.clubId === 'club-1');
    expect(club1.map((x) => [x.day, x.entries, x.exits])).toEqual(
      Array.from({ length: DAYS }, (_, d) => [day(d), MEMBERS + (d === 5 ? 1 : 0), MEMBERS - (d === 2 ? 1 : 0)]),
    );
    expect(club1.flatMap((x) => x.unbalanced.map((u: Json) => [x.day, u.credential, u.entries, u.exits]))).toEqual([
      [day(2), hash(13), 1, 0],
      [day(5), hash(11), 2, 1],
    ]);
    expect(days.filter((x) => x.clubId === 'club-2')).toEqual([{ clubId: 'club-2', day: day(3), entries: 1, exits: 0, unbalanced: [{ credential: hash(7), memberId: 'm7', entries: 1, exits: 0 }] }]);
  });

  it('reads one club only when asked', async () => {
    const r = await f.call('support', 'GET', `/v1/reports/entry-exit?${range}&clubId=club-2`);
    expect(r.body.days.map((x: Json) => x.clubId)).toEqual(['club-2']);
  });
});
