import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.ts';
import { enrollOn, memberWithBadge, startE2eBox, startFleetAt, until, zoneGym, type E2eBox, type E2eFleet } from '../support/uplink-e2e.ts';

const CLUB = 'club-occ';
const members = [1, 2, 3].map((n) => memberWithBadge(n, String(100000 + n)));
const rights = { zones: [zoneGym], members: members.flatMap((m) => m.members), credentials: members.flatMap((m) => m.credentials), rights: members.flatMap((m) => m.rights) };

/**
 * Occupancy per club zone with the real parts: the fleet service (embedded aedes broker,
 * SQLite, ingest and its occupancy relay) and two whole boxes of one club (journal and
 * rights files, lanes, EM4100 reader and Modbus turnstile simulators, the real uplink). A
 * member counted at one box is counted at the other; with the fleet stopped each box
 * counts its own passages, and both agree again once the fleet is back.
 */
describe('occupancy per club zone: two boxes, one fleet', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupancy-club-'));
  let fleet: E2eFleet;
  let port = 0;
  let a: E2eBox;
  let b: E2eBox;
  const passwords: Record<string, string> = {};
  const figures = () => [a.box.lanes.occupancy('gym'), b.box.lanes.occupancy('gym')];
  const both = (n: number) => until(() => (figures().every((f) => f === n) ? true : undefined), `both boxes counting ${n} in the gym`);
  const startBox = (boxId: string) => startE2eBox({ dir: join(dir, boxId), boxId, url: `mqtt://127.0.0.1:${port}`, password: passwords[boxId] as string, clock: systemClock });

  beforeAll(async () => {
    fleet = await startFleetAt(join(dir, 'fleet'));
    port = Number(new URL(fleet.mqttUrl).port);
    for (const id of ['box-occ-a', 'box-occ-b']) passwords[id] = await enrollOn(fleet, id, CLUB);
    expect((await fleet.call('admin', 'POST', `/v1/clubs/${CLUB}/rights`, { upserts: rights })).status).toBe(200);
    [a, b] = await Promise.all([startBox('box-occ-a'), startBox('box-occ-b')]);
    // Both have the rights (the first snapshot, then the boxes' ticket keys: a version per box).
    await until(() => (a.box.rights.version() >= 3 && b.box.rights.version() >= 3 ? true : undefined), 'the rights at both boxes');
  }, 240_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await fleet?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a member who enters at box A is counted at box B too; leaving by box B, they are counted nowhere', async () => {
    a.badge(100001);
    await both(1);
    expect(a.box.lanes.insideSince('gym', 'm-1')).toBeDefined();
    expect(b.box.lanes.insideSince('gym', 'm-1')).toBe(a.box.lanes.insideSince('gym', 'm-1'));

    const left = await b.box.lanes.manualOpen('entry', 'Léa', 'sortie', 'out', 'm-1');
    expect(left).toMatchObject({ kind: 'recorded', pass: { outcome: 'manual', direction: 'out', memberId: 'm-1', passage: { zoneId: 'gym' } } });
    await both(0);
  });

  it('with the fleet stopped each box counts its own passages; back, both agree', async () => {
    await fleet.close();
    await until(() => (a.uplink.connected || b.uplink.connected ? undefined : true), 'both boxes seeing the fleet gone');
    a.badge(100002);
    b.badge(100003);
    await until(() => (a.box.lanes.insideSince('gym', 'm-2') !== undefined && b.box.lanes.insideSince('gym', 'm-3') !== undefined ? true : undefined), 'each entry counted at its own box');
    expect(figures()).toEqual([1, 1]);

    fleet = await startFleetAt(join(dir, 'fleet'), port);
    await both(2);
    for (const box of [a, b]) expect([box.box.lanes.insideSince('gym', 'm-2'), box.box.lanes.insideSince('gym', 'm-3')].every((t) => t !== undefined)).toBe(true);
  });

  it('a box restarted counts the other box’s passages it was sent, from its journal file', async () => {
    await b.stop();
    b = await startBox('box-occ-b');
    // Counted at start, before the restarted box hears from the fleet again.
    expect(b.box.lanes.occupancy('gym')).toBe(2);
    expect(b.box.lanes.insideSince('gym', 'm-2')).toBe(a.box.lanes.insideSince('gym', 'm-2'));
  });
});
