import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { decode } from '../../protocol/mqtt/index.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { decide } from './decide.ts';
import { badge, CLUB, clubSnapshot, credential, deltaMessage, entryLane, member, pack, snapshotMessage, subscription } from './rights-fixtures.ts';
import { emptyDecisionState } from './state.ts';
import { RightsStore } from './store.ts';
import type { RightsView } from './types.ts';

/** Real SQLite files in a temp dir; each test reopens the file to check what was persisted. */
const NOW = Date.UTC(2026, 5, 10, 8, 0); // Wednesday 10:00 in Paris
let dir: string;
let path: string;
let clock: ManualClock;
const open = () => RightsStore.open(path, { clock });
/** What a view says about members 0..n: the member behind each badge, its rights and alerts. */
function summary(view: RightsView, n = 6): unknown[] {
  const out: unknown[] = [view.version];
  for (let i = 0; i < n; i++) {
    const c = view.credential('badge', String(100000 + i));
    out.push([c?.memberId, view.rightsOf(`m${i}`).map((r) => `${r.id}:${view.visitsLeft(r) ?? '-'}`), view.alertsOf(`m${i}`).length]);
  }
  return out;
}
const entry = (view: RightsView, number: string) => decide(badge(number), entryLane(), NOW, emptyDecisionState(view));
const codeOf = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error?.code);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'resabox-rights-'));
  path = join(dir, 'rights.db');
  clock = new ManualClock(NOW);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('RightsStore', () => {
  it('starts empty at version 0 in WAL mode', () => {
    const store = open();
    expect(store.version()).toBe(0);
    expect(store.status()).toEqual({ clubId: null, version: 0, appliedAt: null, members: 0 });
    expect(entry(store.view(), '100000')).toMatchObject({ granted: false, reason: 'unknown-credential', rightsVersion: 0 });
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('moves a corrupt file aside and starts empty, so the box can ask for a snapshot', () => {
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    const store = open();
    expect(store.corruptFileMovedTo).toBe(`${path}.corrupt-${NOW}`);
    expect(readFileSync(`${path}.corrupt-${NOW}`)).toHaveLength(8192);
    expect(store.version()).toBe(0);
    expect(store.applySnapshot(clubSnapshot(2, 7)).ok).toBe(true);
    store.close();
    const again = open();
    expect(again.corruptFileMovedTo).toBeNull();
    expect(again.version()).toBe(7);
    again.close();
  });

  it('treats an unreadable record as corruption too', () => {
    const store = open();
    store.applySnapshot(clubSnapshot(2, 3));
    store.close();
    const db = new Database(path);
    const active = (db.prepare("SELECT value FROM meta WHERE key = 'active'").get() as { value: string }).value;
    db.prepare(`UPDATE ${active}_members SET data = '{not json' WHERE id = 'm0'`).run();
    db.close();
    const again = open();
    expect(again.corruptFileMovedTo).not.toBeNull();
    expect(again.version()).toBe(0);
    expect(existsSync(again.corruptFileMovedTo as string)).toBe(true);
    again.close();
  });

  it('applies a snapshot and keeps it across a reopen', () => {
    const store = open();
    expect(store.applySnapshot(clubSnapshot(6, 3))).toEqual({ ok: true, value: { status: 'applied', version: 3 } });
    expect(store.version()).toBe(3);
    expect(entry(store.view(), '100002')).toMatchObject({ granted: true, memberId: 'm2', rightsVersion: 3 });
    const before = summary(store.view());
    store.close();
    const again = open();
    expect(again.version()).toBe(3);
    expect(again.status()).toEqual({ clubId: CLUB, version: 3, appliedAt: NOW, members: 6 });
    expect(summary(again.view())).toEqual(before);
    expect(again.history()).toMatchObject([{ version: 3, kind: 'snapshot', baseVersion: null, appliedAt: NOW, records: 6 * 5 + 1 }]);
    again.close();
  });

  it('applies a chunked snapshot only when its last chunk arrived', () => {
    const store = open();
    const whole = clubSnapshot(4, 2);
    // Credentials and rights of m0 and m1 arrive before m0 and m1 themselves.
    const first = { ...whole, chunks: 2, chunk: 1, data: { ...whole.data, members: whole.data.members.slice(2) } };
    const second = { ...whole, chunks: 2, chunk: 0, data: { ...whole.data, members: whole.data.members.slice(0, 2), credentials: [], rights: [], zones: [] } };
    expect(store.applySnapshot(first)).toEqual({ ok: true, value: { status: 'pending', version: 2, received: 1, chunks: 2 } });
    expect(store.version()).toBe(0);
    expect(store.applySnapshot(second)).toEqual({ ok: true, value: { status: 'applied', version: 2 } });
    const wholeAtOnce = RightsStore.open(join(dir, 'whole.db'), { clock });
    wholeAtOnce.applySnapshot(whole);
    expect(summary(store.view(), 4)).toEqual(summary(wholeAtOnce.view(), 4));
    wholeAtOnce.close();
    expect(entry(store.view(), '100003')).toMatchObject({ granted: true, memberId: 'm3' });
    store.close();
  });

  it('refuses a chunked snapshot whose chunks clash or dangle, keeping the current version', () => {
    const store = open();
    store.applySnapshot(clubSnapshot(3, 3));
    const before = summary(store.view(), 3);
    const whole = clubSnapshot(4, 4);
    const chunk = (n: number, data: Partial<typeof whole.data>) => ({ ...whole, chunks: 2, chunk: n, data: { ...whole.data, members: [], credentials: [], rights: [], zones: [], ...data } });
    // The same badge number in both chunks: refused when the second one goes in.
    expect(store.applySnapshot(chunk(0, { members: whole.data.members, credentials: [credential('x1', 'm0', 'badge', '5')] })).ok).toBe(true);
    expect(store.applySnapshot(chunk(1, { credentials: [credential('x2', 'm1', 'badge', '5')] }))).toMatchObject({ ok: false, error: { code: 'RIGHTS_INVALID', detail: { sqlite: 'SQLITE_CONSTRAINT_UNIQUE' } } });
    // A right of a member no chunk brings: refused once all chunks are in.
    expect(store.applySnapshot(chunk(0, { members: whole.data.members })).ok).toBe(true);
    expect(store.applySnapshot(chunk(1, { rights: [subscription('rz', 'nobody', ['gym'])] }))).toMatchObject({ ok: false, error: { code: 'RIGHTS_INVALID' } });
    expect(store.version()).toBe(3);
    expect(summary(store.view(), 3)).toEqual(before);
    store.close();
    const again = open();
    expect(again.version()).toBe(3);
    expect(summary(again.view(), 3)).toEqual(before);
    expect(again.applySnapshot(clubSnapshot(4, 4)).ok).toBe(true);
    expect(again.view().member('m3')).toBeDefined();
    again.close();
  });

  it('keeps deciding on the current set while a snapshot is staged, and survives an interrupted staging', () => {
    const store = open();
    store.applySnapshot(clubSnapshot(3, 3));
    const whole = clubSnapshot(5, 5);
    expect(store.applySnapshot({ ...whole, chunks: 2, chunk: 0 }).ok).toBe(true);
    expect(store.applyDelta(deltaMessage(3, 4, { members: [member('m1', [{ id: 'a', message: 'x' }])] })).ok).toBe(true);
    expect(entry(store.view(), '100001')).toMatchObject({ granted: false, reason: 'blocking-alert', rightsVersion: 4 });
    store.close(); // the box restarts before the last chunk
    const again = open();
    expect(again.version()).toBe(4);
    expect(entry(again.view(), '100001')).toMatchObject({ reason: 'blocking-alert', rightsVersion: 4 });
    expect(again.applySnapshot({ ...whole, chunks: 2, chunk: 1, data: { ...whole.data, members: [], credentials: [], rights: [], zones: [] } })).toMatchObject({ ok: true, value: { status: 'pending' } });
    expect(again.applySnapshot({ ...whole, chunks: 2, chunk: 0 })).toMatchObject({ ok: true, value: { status: 'applied', version: 5 } });
    expect(entry(again.view(), '100004')).toMatchObject({ granted: true, rightsVersion: 5 });
    again.close();
    const third = open();
    expect(third.version()).toBe(5);
    expect(third.view().member('m4')).toBeDefined();
    third.close();
  });

  it('accepts the contract fixture decoded off the wire', () => {
    const store = open();
    store.applySnapshot(snapshotMessage(42, { members: [member('m-1')], zones: [] }));
    const wire = decode('rights', JSON.stringify(VALID_MESSAGES.rights));
    expect(wire.ok && wire.value.kind).toBe('delta');
    if (!wire.ok || wire.value.kind !== 'delta') return;
    expect(store.applyDelta(wire.value)).toEqual({ ok: true, value: { version: 43 } });
    expect(store.view().credential('badge', '12345678')?.memberId).toBe('m-2');
    store.close();
  });

  it('replaces everything on a newer snapshot and refuses an older one', () => {
    const store = open();
    store.applySnapshot(clubSnapshot(6, 3));
    expect(store.applySnapshot(clubSnapshot(2, 5)).ok).toBe(true);
    expect(store.view().credential('badge', '100004')).toBeUndefined();
    expect(codeOf(store.applySnapshot(clubSnapshot(6, 4)))).toBe('RIGHTS_STALE_VERSION');
    expect(store.version()).toBe(5);
    expect(store.applySnapshot({ ...clubSnapshot(1, 1), clubId: 'club-paris' }).ok).toBe(true); // another club: replaces
    expect(store.status()).toMatchObject({ clubId: 'club-paris', version: 1, members: 1 });
    store.close();
  });

  it('applies a delta: upserts, deletes, member cascade; memory and file agree', () => {
    const store = open();
    store.applySnapshot(clubSnapshot(6, 3));
    const d = deltaMessage(
      3,
      4,
      {
        members: [member('m9'), member('m1', [{ id: 'a1', message: 'Impayé' }])],
        credentials: [credential('b9', 'm9', 'badge', '100005')], // badge moved from m5 (deleted below) to m9
        rights: [subscription('r9', 'm9', ['gym'])],
      },
      { members: ['m5'], rights: ['r2'] },
    );
    expect(store.applyDelta(d)).toEqual({ ok: true, value: { version: 4 } });
    const view = store.view();
    expect(view.member('m5')).toBeUndefined();
    expect(view.rightsOf('m5')).toEqual([]);
    expect(view.credential('pin', '10000005')).toBeUndefined();
    expect(view.credential('badge', '100005')?.memberId).toBe('m9');
    expect(entry(view, '100005')).toMatchObject({ granted: true, memberId: 'm9', rightId: 'r9', rightsVersion: 4 });
    expect(entry(view, '100001')).toMatchObject({ granted: false, reason: 'blocking-alert' });
    expect(entry(view, '100002')).toMatchObject({ granted: false, reason: 'no-access-right' });
    const inMemory = summary(view, 10);
    store.close();
    const again = open();
    expect(summary(again.view(), 10)).toEqual(inMemory);
    expect(again.view().credential('pin', '10000005')).toBeUndefined();
    expect(again.history().map((h) => [h.version, h.kind, h.baseVersion])).toEqual([
      [4, 'delta', 3],
      [3, 'snapshot', null],
    ]);
    again.close();
  });

  it('refuses a delta on the wrong base with a coded error and changes nothing', () => {
    const store = open();
    store.applySnapshot(clubSnapshot(6, 3));
    const before = summary(store.view());
    const result = store.applyDelta(deltaMessage(2, 4, { members: [member('mx')] }, { members: ['m0'] }));
    expect(result).toMatchObject({ ok: false, error: { code: 'RIGHTS_BASE_MISMATCH', detail: { current: 3 } } });
    expect(store.version()).toBe(3);
    expect(summary(store.view())).toEqual(before);
    store.close();
    const again = open();
    expect(again.version()).toBe(3);
    expect(summary(again.view())).toEqual(before);
    expect(again.view().member('mx')).toBeUndefined();
    again.close();
  });

  it('refuses a delta before any snapshot, for another club, or not moving forward', () => {
    const store = open();
    expect(codeOf(store.applyDelta(deltaMessage(0, 1, {})))).toBe('RIGHTS_BASE_MISMATCH');
    store.applySnapshot(clubSnapshot(2, 3));
    expect(codeOf(store.applyDelta(deltaMessage(3, 4, {}, {}, 'club-paris')))).toBe('RIGHTS_WRONG_CLUB');
    expect(codeOf(store.applyDelta(deltaMessage(3, 3, {})))).toBe('RIGHTS_STALE_VERSION');
    expect(store.version()).toBe(3);
    store.close();
  });

  it('rolls back a delta that fails half-way (unknown member): old version intact, in memory and on disk', () => {
    const store = open();
    store.applySnapshot(clubSnapshot(6, 3));
    const before = summary(store.view(), 8);
    const oldView = store.view();
    const failing = deltaMessage(
      3,
      4,
      { members: [member('m7')], credentials: [credential('b7', 'm7', 'badge', '100007')], rights: [subscription('rx', 'nobody', ['gym'])] },
      { members: ['m0'] },
    );
    const result = store.applyDelta(failing);
    expect(result).toMatchObject({ ok: false, error: { code: 'RIGHTS_INVALID', detail: { sqlite: 'SQLITE_CONSTRAINT_FOREIGNKEY' } } });
    expect(store.version()).toBe(3);
    expect(store.view()).toBe(oldView);
    expect(summary(store.view(), 8)).toEqual(before);
    store.close();
    const again = open();
    expect(again.version()).toBe(3);
    expect(summary(again.view(), 8)).toEqual(before);
    expect(again.view().member('m0')).toBeDefined();
    expect(again.view().member('m7')).toBeUndefined();
    expect(again.history()).toHaveLength(1);
    again.close();
  });

  it('refuses a credential already held by another id, and bad fields, with RIGHTS_INVALID', () => {
    const store = open();
    store.applySnapshot(clubSnapshot(3, 3));
    const dup = store.applyDelta(deltaMessage(3, 4, { credentials: [credential('bx', 'm0', 'badge', '00100001')] }));
    expect(dup).toMatchObject({ ok: false, error: { code: 'RIGHTS_INVALID', detail: { sqlite: 'SQLITE_CONSTRAINT_UNIQUE' } } });
    const zone = clubSnapshot(1).data.zones[0];
    const badZone = store.applyDelta(deltaMessage(3, 4, { zones: [{ ...(zone as NonNullable<typeof zone>), timezone: 'Mars/Olympus' }] }));
    expect(badZone).toMatchObject({ ok: false, error: { code: 'RIGHTS_INVALID', message: '/zones/0/timezone: unknown time zone Mars/Olympus' } });
    const timed = store.applyDelta(deltaMessage(3, 4, { zones: [{ ...(zone as NonNullable<typeof zone>), antiPassback: 'timed' }] }));
    expect(timed).toMatchObject({ ok: false, error: { code: 'RIGHTS_INVALID', message: '/zones/0/antiPassbackMinutes: timed anti-passback needs minutes' } });
    const badRight = snapshotMessage(9, { members: [member('m0')], rights: [{ ...subscription('r', 'm0', ['gym']), validTo: '2026-12-31' as unknown as number }] });
    expect(store.applySnapshot(badRight)).toMatchObject({ ok: false, error: { code: 'RIGHTS_INVALID', message: expect.stringContaining('/rights/0/validTo') } });
    expect(codeOf(store.applySnapshot(snapshotMessage(9, { members: [member('m0'), member('m0')] })))).toBe('RIGHTS_INVALID');
    expect(store.version()).toBe(3);
    expect(store.view().member('m2')).toBeDefined();
    store.close();
  });

  it('hands out immutable views: a decision keeps the version it was made on', () => {
    const store = open();
    store.applySnapshot(clubSnapshot(3, 3));
    const v3 = store.view();
    store.applyDelta(deltaMessage(3, 4, {}, { members: ['m0'] }));
    expect(entry(v3, '100000')).toMatchObject({ granted: true, rightsVersion: 3 });
    expect(entry(store.view(), '100000')).toMatchObject({ granted: false, reason: 'unknown-credential', rightsVersion: 4 });
    store.close();
  });

  it('counts visits consumed on the box: a pack of one visit used twice, persisted, idempotent, then reconciled by the fleet', () => {
    const store = open();
    store.applySnapshot(snapshotMessage(3, { ...clubSnapshot(2).data, rights: [pack('p1', 'm1', ['gym'], 1)] }));
    expect(entry(store.view(), '100001')).toMatchObject({ granted: true, rightId: 'p1', consumesVisit: true });
    expect(store.recordVisit('p1', 'pass-1', NOW + 1000).ok).toBe(true);
    expect(store.recordVisit('p1', 'pass-1', NOW + 1000).ok).toBe(true); // re-recording the same pass is harmless
    expect(entry(store.view(), '100001')).toMatchObject({ granted: false, reason: 'quota-exhausted' });
    store.close();

    clock = new ManualClock(NOW + 60_000);
    const again = open();
    expect(entry(again.view(), '100001')).toMatchObject({ granted: false, reason: 'quota-exhausted' });
    // The fleet renews the pack a minute later: its count (10) is taken to include our pass.
    expect(again.applyDelta(deltaMessage(3, 4, { rights: [pack('p1', 'm1', ['gym'], 10)] })).ok).toBe(true);
    const right = again.view().rightsOf('m1')[0];
    expect(right && again.view().visitsLeft(right)).toBe(10);
    again.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM local_visits').get()).toEqual({ n: 0 });
    db.close();
  });

  it('keeps subtracting a local visit the fleet says it has not counted yet (visitsCountedUntil)', () => {
    const store = open();
    store.applySnapshot(snapshotMessage(3, { ...clubSnapshot(2).data, rights: [pack('p1', 'm1', ['gym'], 5)] }));
    store.recordVisit('p1', 'pass-1', NOW + 5000);
    store.applyDelta(deltaMessage(3, 4, { rights: [pack('p1', 'm1', ['gym'], 5, { visitsCountedUntil: NOW + 1000 })] }));
    const right = store.view().rightsOf('m1')[0];
    expect(right && store.view().visitsLeft(right)).toBe(4);
    store.close();
  });
});
