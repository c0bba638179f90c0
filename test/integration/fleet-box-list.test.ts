import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedBoxes, type SeededBox } from '../support/box-list-seed.ts';
import { startTestFleet, type Json, type TestFleet } from '../support/fleet-harness.ts';

const COUNT = 3000;

/** SQLite's and PostgreSQL's order of the list: empty values last, ties by id. */
function ordered(rows: SeededBox[], key: (b: SeededBox) => string | number | null, desc = false): SeededBox[] {
  const cmp = (a: SeededBox, b: SeededBox): number => {
    const ka = key(a);
    const kb = key(b);
    if ((ka === null) !== (kb === null)) return ka === null ? 1 : -1;
    const byKey = ka === kb || ka === null || kb === null ? 0 : ka < kb ? -1 : 1;
    const r = byKey || (a.id < b.id ? -1 : 1);
    return desc ? -r : r;
  };
  return [...rows].sort(cmp);
}

/*
 * The box list of the fleet API over a real SQLite store of 3,000 seeded boxes: search,
 * every filter, every order, pages and the total, each checked against the seed table.
 */
describe('GET /v1/boxes: search, filters, order, pages', () => {
  let f: TestFleet;
  let seeded: SeededBox[];
  const list = async (query: string): Promise<{ ids: string[]; total: number; body: Json }> => {
    const res = await f.call('viewer', 'GET', `/v1/boxes?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { ids: res.body.boxes.map((b: Json) => b.id), total: res.body.total, body: res.body };
  };

  beforeAll(async () => {
    f = await startTestFleet();
    seeded = await seedBoxes(f.svc.fleet.store, COUNT, Date.UTC(2026, 0, 15, 12));
  }, 60_000);
  afterAll(async () => {
    await f?.close();
  });

  it('searches the id, the name and the club name, any case, and counts all matches', async () => {
    const byName = seeded.filter((b) => b.id.includes('box-0012') || b.name.toLowerCase().includes('box-0012') || b.clubName.toLowerCase().includes('box-0012'));
    const r = await list('q=BOX-0012&limit=5');
    expect(r.total).toBe(byName.length);
    expect(r.ids).toEqual(byName.slice(0, 5).map((b) => b.id));
    const club = await list('q=club%20brest&limit=1000');
    expect(club.total).toBe(seeded.filter((b) => b.clubName === 'Club Brest').length);
    expect(club.body.boxes[0]).toMatchObject({ clubName: 'Club Brest' });
    const name = await list('q=piscine%2012&limit=1000');
    expect(name.ids).toEqual(seeded.filter((b) => b.name.toLowerCase().includes('piscine 12')).map((b) => b.id));
    // LIKE's wildcards are taken literally.
    expect((await list('q=%25')).total).toBe(0);
    expect((await list('q=_')).total).toBe(0);
  });

  it('filters by club, status, online, version, hardware and open alerts, combined', async () => {
    const expectRows = async (query: string, keep: (b: SeededBox) => boolean) => {
      const want = seeded.filter(keep);
      const r = await list(`${query}&limit=1000`);
      expect(r.total, query).toBe(want.length);
      expect(r.ids, query).toEqual(want.slice(0, 1000).map((b) => b.id));
      expect(want.length, `${query} selects something`).toBeGreaterThan(0);
    };
    await expectRows('clubId=club-nimes', (b) => b.clubId === 'club-nimes');
    await expectRows('status=active&online=false', (b) => b.status === 'active' && !b.online);
    await expectRows('online=true&version=1.5.0', (b) => b.online && b.agentVersion === '1.5.0');
    await expectRows('hardware=rbx-b2&clubId=club-lyon', (b) => b.hardware === 'rbx-b2' && b.clubId === 'club-lyon');
    await expectRows('openAlerts=true', (b) => b.openAlerts > 0);
    await expectRows('openAlerts=false&status=pending', (b) => b.openAlerts === 0 && b.status === 'pending');
    await expectRows('status=revoked', (b) => b.status === 'revoked');
  });

  it('orders by every key, both ways, with empty values last', async () => {
    const keys: [string, (b: SeededBox) => string | number | null][] = [
      ['name', (b) => b.name.toLowerCase()],
      ['club', (b) => b.clubName.toLowerCase()],
      ['version', (b) => b.agentVersion],
      ['hardware', (b) => b.hardware],
      ['lastSeen', (b) => b.lastSeenAt],
      ['openAlerts', (b) => b.openAlerts],
      ['status', (b) => b.status],
      ['online', (b) => (b.online ? 1 : 0)],
    ];
    for (const [sort, key] of keys) {
      for (const order of ['asc', 'desc'] as const) {
        const r = await list(`sort=${sort}&order=${order}&limit=40&offset=100`);
        expect(r.ids, `${sort} ${order}`).toEqual(ordered(seeded, key, order === 'desc').slice(100, 140).map((b) => b.id));
      }
    }
    const last = await list('sort=lastSeen&order=desc&limit=1&offset=' + (COUNT - 1));
    expect(seeded.find((b) => b.id === last.ids[0])?.lastSeenAt).toBeNull();
  });

  it('pages through every box once, with the open alert count of each', async () => {
    const seen: string[] = [];
    for (let offset = 0; ; offset += 1000) {
      const r = await list(`sort=club&order=desc&limit=1000&offset=${offset}`);
      expect(r.total).toBe(COUNT);
      seen.push(...r.ids);
      if (r.ids.length < 1000) break;
    }
    expect(seen).toHaveLength(COUNT);
    expect(new Set(seen).size).toBe(COUNT);
    const r = await list('q=box-00200');
    expect(r.body.boxes[0]).toMatchObject({ id: 'box-00200', openAlerts: 2, hardware: seeded[200]?.hardware, agentVersion: seeded[200]?.agentVersion });
  });

  it('gives the counts and the versions and models present (revoked boxes left out)', async () => {
    const live = seeded.filter((b) => b.status !== 'revoked');
    const facets = (await f.call('viewer', 'GET', '/v1/box-facets')).body;
    expect(facets).toMatchObject({
      total: live.length,
      active: live.filter((b) => b.status === 'active').length,
      online: live.filter((b) => b.online).length,
      withOpenAlerts: live.filter((b) => b.openAlerts > 0).length,
    });
    expect(facets.versions).toEqual([
      ...['1.4.2', '1.5.0', '1.5.1'].map((v) => ({ value: v, count: live.filter((b) => b.agentVersion === v).length })),
      { value: null, count: live.filter((b) => b.agentVersion === null).length },
    ]);
    expect(facets.hardware.map((h: Json) => h.value)).toEqual(['rbx-a1', 'rbx-b2', null]);
  });

  it('refuses an unknown order or a bad flag with a coded error', async () => {
    for (const q of ['sort=colour', 'order=up', 'openAlerts=maybe', 'q=' + 'x'.repeat(121)]) {
      const r = await f.call('viewer', 'GET', `/v1/boxes?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe('API_VALIDATION_FAILED');
    }
  });
});
