import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { decide } from './decide.ts';
import type { RightsDelta, RightsSnapshot } from './model.ts';
import { badge, clubSnapshot, entryLane } from './rights-fixtures.ts';
import { emptyDecisionState } from './state.ts';
import { RightsStore } from './store.ts';
import type { RightsView } from './types.ts';

/** Real SQLite files in a temp dir; each test reopens the file to check what was persisted. */
const NOW = Date.UTC(2026, 5, 10, 8, 0); // Wednesday 10:00 in Paris
let dir: string;
let path: string;
let clock: ManualClock;
const open = () => RightsStore.open(path, { clock });
const delta = (baseVersion: number, version: number, upserts: RightsDelta['upserts'], deletes: RightsDelta['deletes'] = {}): RightsDelta => ({
  baseVersion,
  version,
  upserts,
  deletes,
});
/** What a view says about members 0..n: the member behind each badge and its rights ids. */
function summary(view: RightsView, n = 6): unknown[] {
  const out: unknown[] = [view.version];
  for (let i = 0; i < n; i++) {
    const c = view.credential('badge', String(100000 + i));
    out.push([c?.memberId, view.rightsOf(`m${i}`).map((r) => `${r.id}:${view.visitsLeft(r) ?? '-'}`), view.alertsOf(`m${i}`).length]);
  }
  return out;
}
const entry = (view: RightsView, number: string) => decide(badge(number), entryLane(), NOW, emptyDecisionState(view));

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
    expect(entry(store.view(), '100000')).toMatchObject({ granted: false, reason: 'unknown-credential', rightsVersion: 0 });
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('applies a snapshot and keeps it across a reopen', () => {
    const store = open();
    expect(store.applySnapshot(clubSnapshot(6, 3))).toEqual({ ok: true, value: { version: 3 } });
    expect(store.version()).toBe(3);
    expect(entry(store.view(), '100002')).toMatchObject({ granted: true, memberId: 'm2', rightsVersion: 3 });
    const before = summary(store.view());
    store.close();
    const again = open();
    expect(again.version()).toBe(3);
    expect(summary(again.view())).toEqual(before);
    expect(again.history()).toMatchObject([{ version: 3, kind: 'snapshot', baseVersion: null, appliedAt: NOW, records: 6 * 4 + 1 }]);
    again.close();
  });

  it('replaces everything on a newer snapshot and refuses an older one', () => {
    const store = open();
    store.applySnapshot(clubSnapshot(6, 3));
    expect(store.applySnapshot(clubSnapshot(2, 5)).ok).toBe(true);
    expect(store.view().credential('badge', '100004')).toBeUndefined();
    const stale = store.applySnapshot(clubSnapshot(6, 4));
    expect(stale.ok ? 'ok' : stale.error.code).toBe('RIGHTS_STALE_VERSION');
    expect(store.version()).toBe(5);
    store.close();
  });

  it('applies a delta: upserts, deletes, member cascade; memory and file agree', () => {
    const store = open();
    store.applySnapshot(clubSnapshot(6, 3));
    const d = delta(
      3,
      4,
      {
        members: [{ id: 'm9' }],
        credentials: [{ id: 'b9', memberId: 'm9', kind: 'badge', value: '100005' }], // badge moved from m5 (deleted below) to m9
        rights: [{ id: 'r9', memberId: 'm9', kind: 'subscription', zoneIds: ['gym'], validFrom: '2026-01-01', validTo: '2026-12-31' }],
        alerts: [{ id: 'a1', memberId: 'm1', message: 'Impayé' }],
      },
      { members: ['m5'], rights: ['r2'] },
    );
    expect(store.applyDelta(d)).toEqual({ ok: true, value: { version: 4 } });
    const view = store.view();
    expect(view.member('m5')).toBeUndefined();
    expect(view.rightsOf('m5')).toEqual([]);
    expect(view.credential('badge', '100005')?.memberId).toBe('m9');
    expect(entry(view, '100005')).toMatchObject({ granted: true, memberId: 'm9', rightId: 'r9', rightsVersion: 4 });
    expect(entry(view, '100001')).toMatchObject({ granted: false, reason: 'blocking-alert' });
    expect(entry(view, '100002')).toMatchObject({ granted: false, reason: 'no-access-right' });
    const inMemory = summary(view, 10);
    store.close();
    const again = open();
    expect(summary(again.view(), 10)).toEqual(inMemory);
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
    const result = store.applyDelta(delta(2, 4, { members: [{ id: 'mx' }] }, { members: ['m0'] }));
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

  it('refuses a delta that does not move forward', () => {
    const store = open();
    store.applySnapshot(clubSnapshot(2, 3));
    const result = store.applyDelta(delta(3, 3, {}));
    expect(result.ok ? 'ok' : result.error.code).toBe('RIGHTS_STALE_VERSION');
    store.close();
  });

  it('rolls back a delta that fails half-way (unknown member): old version intact, in memory and on disk', () => {
    const store = open();
    store.applySnapshot(clubSnapshot(6, 3));
    const before = summary(store.view(), 8);
    const oldView = store.view();
    const failing = delta(
      3,
      4,
      {
        members: [{ id: 'm7' }],
        credentials: [{ id: 'b7', memberId: 'm7', kind: 'badge', value: '100007' }],
        rights: [{ id: 'rx', memberId: 'nobody', kind: 'subscription', zoneIds: ['gym'], validFrom: '2026-01-01', validTo: '2026-12-31' }],
      },
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
    const dup = store.applyDelta(delta(3, 4, { credentials: [{ id: 'bx', memberId: 'm0', kind: 'badge', value: '00100001' }] }));
    expect(dup).toMatchObject({ ok: false, error: { code: 'RIGHTS_INVALID', detail: { sqlite: 'SQLITE_CONSTRAINT_UNIQUE' } } });
    const badZone = store.applyDelta(delta(3, 4, { zones: [{ id: 'z', name: 'z', timezone: 'Mars/Olympus', periods: [], exceptions: [] }] }));
    expect(badZone).toMatchObject({ ok: false, error: { code: 'RIGHTS_INVALID', message: 'zones[0]: timezone: unknown' } });
    const badRight = { ...clubSnapshot(1, 9), rights: [{ id: 'r', memberId: 'm0', kind: 'pack', zoneIds: ['gym'], validFrom: '2026-01-01', validTo: '31/12/2026', visitsLeft: 1 }] } as RightsSnapshot;
    expect(store.applySnapshot(badRight)).toMatchObject({ ok: false, error: { code: 'RIGHTS_INVALID', message: 'rights[0]: validity: date not YYYY-MM-DD' } });
    const dupIds = { ...clubSnapshot(1, 9), members: [{ id: 'm0' }, { id: 'm0' }] };
    expect(store.applySnapshot(dupIds)).toMatchObject({ ok: false, error: { code: 'RIGHTS_INVALID' } });
    expect(store.version()).toBe(3);
    expect(store.view().member('m2')).toBeDefined();
    store.close();
  });

  it('hands out immutable views: a decision keeps the version it was made on', () => {
    const store = open();
    store.applySnapshot(clubSnapshot(3, 3));
    const v3 = store.view();
    store.applyDelta(delta(3, 4, {}, { members: ['m0'] }));
    expect(entry(v3, '100000')).toMatchObject({ granted: true, rightsVersion: 3 });
    expect(entry(store.view(), '100000')).toMatchObject({ granted: false, reason: 'unknown-credential', rightsVersion: 4 });
    store.close();
  });

  it('counts visits consumed on the box: a pack of one visit used twice, persisted, idempotent, then reconciled by the fleet', () => {
    const store = open();
    const snap = clubSnapshot(2, 3);
    const onePack: RightsSnapshot = { ...snap, rights: [{ id: 'p1', memberId: 'm1', kind: 'pack', zoneIds: ['gym'], validFrom: '2026-01-01', validTo: '2026-12-31', visitsLeft: 1 }] };
    store.applySnapshot(onePack);
    const first = entry(store.view(), '100001');
    expect(first).toMatchObject({ granted: true, rightId: 'p1', consumesVisit: true });
    expect(store.recordVisit('p1', 'pass-1', NOW + 1000).ok).toBe(true);
    expect(store.recordVisit('p1', 'pass-1', NOW + 1000).ok).toBe(true); // re-recording the same pass is harmless
    expect(entry(store.view(), '100001')).toMatchObject({ granted: false, reason: 'quota-exhausted' });
    store.close();

    clock = new ManualClock(NOW + 60_000);
    const again = open();
    expect(entry(again.view(), '100001')).toMatchObject({ granted: false, reason: 'quota-exhausted' });
    // The fleet renews the pack: 10 visits, having counted passes up to NOW + 2 s (our pass included).
    const renewed = again.applyDelta(delta(3, 4, { rights: [{ id: 'p1', memberId: 'm1', kind: 'pack', zoneIds: ['gym'], validFrom: '2026-01-01', validTo: '2026-12-31', visitsLeft: 10, visitsCountedUntil: NOW + 2000 }] }));
    expect(renewed.ok).toBe(true);
    const right = again.view().rightsOf('m1')[0];
    expect(right && again.view().visitsLeft(right)).toBe(10);
    again.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM local_visits').get()).toEqual({ n: 0 });
    db.close();
  });

  it('keeps subtracting a local visit the fleet has not counted yet', () => {
    const store = open();
    store.applySnapshot({ ...clubSnapshot(2, 3), rights: [{ id: 'p1', memberId: 'm1', kind: 'pack', zoneIds: ['gym'], validFrom: '2026-01-01', validTo: '2026-12-31', visitsLeft: 5, visitsCountedUntil: NOW }] });
    store.recordVisit('p1', 'pass-1', NOW + 5000);
    store.applyDelta(delta(3, 4, { rights: [{ id: 'p1', memberId: 'm1', kind: 'pack', zoneIds: ['gym'], validFrom: '2026-01-01', validTo: '2026-12-31', visitsLeft: 5, visitsCountedUntil: NOW + 1000 }] }));
    const right = store.view().rightsOf('m1')[0];
    expect(right && store.view().visitsLeft(right)).toBe(4);
    store.close();
  });
});
