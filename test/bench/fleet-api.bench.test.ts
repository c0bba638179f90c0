import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PassRecord } from '../../fleet/store/repositories.ts';
import { startTestFleet, type TestFleet } from '../support/fleet-harness.ts';

/**
 * Fleet API figures (in-process inject, embedded broker, SQLite on a temp file): request
 * rates with authentication, role check, validation and audit, and the pass reports over
 * a large table. Prints figures; asserts only that the answers are right.
 */
let f: TestFleet;
const BOXES = 200;
const CLUBS = 20;
const PASSES_PER_BOX = 500;

beforeAll(async () => {
  f = await startTestFleet();
  const ctx = f.svc.api.ctx;
  for (let c = 0; c < CLUBS; c++) await ctx.boxes.upsertClub({ id: `club-${c}`, name: `Club ${c}`, timezone: 'Europe/Paris', openingHours: {} }, f.clock.now());
  const t0 = f.clock.now() - 7 * 86_400_000;
  for (let b = 0; b < BOXES; b++) {
    const id = `box-${b}`;
    await ctx.boxes.createPending(id, `club-${b % CLUBS}`, '', ['bench'], t0);
    const passes: PassRecord[] = [];
    for (let s = 1; s <= PASSES_PER_BOX; s++) {
      const member = (b * 7919 + s * 104_729) % 5000;
      passes.push({
        seq: s,
        batchId: `b-${b}`,
        at: t0 + s * 60_000 + b,
        lane: 'lane-1',
        direction: s % 2 ? 'in' : 'out',
        granted: true,
        reason: 'granted',
        outcome: 'passed',
        memberId: `m-${member}`,
        credentialKind: 'badge',
        rightsVersion: 1,
        data: { credentialHash: member.toString(16).padStart(8, '0') },
      });
    }
    await f.svc.fleet.store.passes.insertBatch(id, passes, t0);
  }
});
afterAll(async () => {
  await f.close();
});

async function rate(label: string, n: number, one: (i: number) => Promise<number>): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < n; i++) expect(await one(i)).toBeLessThan(300);
  const ms = performance.now() - start;
  console.log(`${label}: ${n} requests in ${ms.toFixed(0)} ms = ${((n * 1000) / ms).toFixed(0)} req/s`);
}

it('request rates', async () => {
  await rate(`GET /v1/boxes (${BOXES} boxes, limit 200)`, 300, async () => (await f.call('viewer', 'GET', '/v1/boxes?limit=200')).status);
  await rate('GET /v1/boxes/{id}', 1000, async (i) => (await f.call('viewer', 'GET', `/v1/boxes/box-${i % BOXES}`)).status);
  await rate('PUT /v1/boxes/{id}/tags (role check + validation + audit row)', 1000, async (i) => (await f.call('technician', 'PUT', `/v1/boxes/box-${i % BOXES}/tags`, { tags: ['bench', `t${i % 10}`] })).status);
  await rate('GET /v1/passes (page of 500)', 200, async () => (await f.call('support', 'GET', '/v1/passes?clubId=club-3&limit=500')).status);
});

it('reports over the whole pass table', async () => {
  const total = BOXES * PASSES_PER_BOX;
  const range = `from=0&to=${f.clock.now()}`;
  for (const [label, url] of [
    ['card-sharing', `/v1/reports/card-sharing?${range}`],
    ['entry-exit', `/v1/reports/entry-exit?${range}`],
    ['CSV export', `/v1/passes/export?${range}`],
  ] as const) {
    const start = performance.now();
    const r = await f.call('support', 'GET', url);
    expect(r.status).toBe(200);
    console.log(`${label} over ${total} passes: ${(performance.now() - start).toFixed(0)} ms`);
  }
});
