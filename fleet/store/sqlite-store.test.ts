import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PassRecord } from './repositories.ts';
import { openSqliteStore, type SqliteFleetStore } from './sqlite-store.ts';

let dir: string;
let store: SqliteFleetStore;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'resabox-store-'));
  store = openSqliteStore(join(dir, 'fleet.db'));
  await store.clubs.upsert({ id: 'club-1', name: 'Club One', timezone: 'Europe/Paris', openingHours: { mon: [['06:00', '22:00']] } }, T0);
  await store.boxes.create({ id: 'box-a', clubId: 'club-1', tags: ['pilot', 'paris'], status: 'active' }, T0);
  await store.boxes.create({ id: 'box-b', clubId: 'club-1' }, T0);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const pass = (seq: number): PassRecord => ({
  seq,
  batchId: `p-${seq}`,
  at: T0 + seq,
  lane: 'lane-1',
  direction: 'in',
  granted: true,
  reason: 'granted',
  outcome: 'passed',
  memberId: 'm-1',
  credentialKind: 'badge',
  rightsVersion: 3,
  data: {},
});

describe('SQLite fleet store', () => {
  it('keeps clubs with timezone and opening hours, boxes with tags and filters', async () => {
    expect((await store.clubs.get('club-1'))?.openingHours).toEqual({ mon: [['06:00', '22:00']] });
    expect((await store.boxes.get('box-a'))?.tags).toEqual(['paris', 'pilot']);
    expect((await store.boxes.list({ tag: 'pilot' })).map((b) => b.id)).toEqual(['box-a']);
    expect((await store.boxes.list({ status: 'pending' })).map((b) => b.id)).toEqual(['box-b']);
    await store.boxes.setStatus('box-a', 'revoked', T0 + 5);
    expect((await store.boxes.get('box-a'))?.status).toBe('revoked');
  });

  it('moves the online "since" time only when the flag changes', async () => {
    expect(await store.boxes.setOnline('box-a', true, T0 + 10)).toBe(true);
    expect(await store.boxes.setOnline('box-a', true, T0 + 20)).toBe(false);
    expect(await store.boxes.get('box-a')).toMatchObject({ online: true, onlineChangedAt: T0 + 10 });
    expect(await store.boxes.setOnline('box-a', false, T0 + 30)).toBe(true);
    expect(await store.boxes.get('box-a')).toMatchObject({ online: false, onlineChangedAt: T0 + 30, lastSeenAt: T0 + 30 });
  });

  it('keeps the latest status per device and when it last changed', async () => {
    await store.devices.upsert('box-a', [{ deviceId: 'printer', kind: 'printer', status: 'ok', detail: {} }], T0);
    await store.devices.upsert('box-a', [{ deviceId: 'printer', kind: 'printer', status: 'ok', detail: { paper: 'ok' } }], T0 + 1000);
    await store.devices.upsert('box-a', [{ deviceId: 'printer', kind: 'printer', status: 'paper-low', detail: { paper: 'near-end' } }], T0 + 2000);
    expect(await store.devices.listByBox('box-a')).toEqual([
      { boxId: 'box-a', deviceId: 'printer', kind: 'printer', status: 'paper-low', detail: { paper: 'near-end' }, statusSince: T0 + 2000, updatedAt: T0 + 2000 },
    ]);
  });

  it('stores a pass batch once by (box, seq), however often it is delivered', async () => {
    expect(await store.passes.insertBatch('box-a', [pass(1), pass(2)], T0)).toEqual({ inserted: 2, duplicates: 0 });
    expect(await store.passes.insertBatch('box-a', [pass(2), pass(1), pass(3)], T0)).toEqual({ inserted: 1, duplicates: 2 });
    expect(await store.passes.insertBatch('box-b', [pass(1)], T0)).toEqual({ inserted: 1, duplicates: 0 });
    expect(await store.passes.count('box-a')).toBe(3);
    expect((await store.passes.list('box-a', 1, 10)).map((p) => p.seq)).toEqual([2, 3]);
  });

  it('rolls a whole batch back when one pass fails (nothing half-stored)', async () => {
    const bad = { ...pass(2), lane: null as unknown as string };
    await expect(store.passes.insertBatch('box-a', [pass(1), bad], T0)).rejects.toThrow();
    expect(await store.passes.count('box-a')).toBe(0);
  });

  it('stores an event once by (box, event id)', async () => {
    const e = { eventId: 'e1', at: T0, kind: 'door-forced', severity: 'warning', subject: 'lane-1', data: { x: 1 } };
    expect(await store.events.insert('box-a', e, T0)).toBe(true);
    expect(await store.events.insert('box-a', e, T0 + 1)).toBe(false);
    expect(await store.events.list('box-a', 10)).toHaveLength(1);
  });

  it('downsamples raw health into weighted 15-minute averages and prunes old averages', async () => {
    const q = 15 * 60_000;
    for (let i = 0; i < 6; i++) (await store.health.insert('box-a', T0 + i * 5 * 60_000, { cpu: 10 * (i + 1), disk: 50 }));
    // T0 is on a quarter hour: samples 0..2 fall in bucket 0, 3..5 in bucket 1.
    expect(await store.health.downsample(T0 + 10 * 60_000 + 1, q)).toEqual({ folded: 6 });
    expect(await store.health.downsample(T0 + 2 * q, q)).toEqual({ folded: 6 });
    const cpu = await store.health.series('box-a', 'cpu', T0, T0 + 2 * q);
    expect(cpu).toEqual([
      { at: T0, value: 20, samples: 3, resolutionMs: q },
      { at: T0 + q, value: 50, samples: 3, resolutionMs: q },
    ]);
    expect(await store.health.prune(T0 + q)).toEqual({ deleted: 2 });
    expect(await store.health.series('box-a', 'cpu', T0, T0 + 2 * q)).toHaveLength(1);
  });

  it('keeps one open alert per (box, rule, subject) and the resolved ones as history', async () => {
    const key = { boxId: 'box-a', rule: 'device-offline', subject: 'printer' };
    expect((await store.alerts.raise(key, { severity: 'warning', message: 'offline', detail: {} }, T0)).opened).toBe(true);
    expect((await store.alerts.raise(key, { severity: 'critical', message: 'still offline', detail: {} }, T0 + 1)).opened).toBe(false);
    expect(await store.alerts.listOpen()).toHaveLength(1);
    expect((await store.alerts.resolve(key, T0 + 2))?.status).toBe('resolved');
    expect(await store.alerts.resolve(key, T0 + 3)).toBeUndefined();
    expect((await store.alerts.raise(key, { severity: 'warning', message: 'again', detail: {} }, T0 + 4)).opened).toBe(true);
    expect((await store.alerts.history('box-a', 10)).map((a) => a.status)).toEqual(['open', 'resolved']);
  });
});

describe('SQLite store transactions (one connection shared by async callers)', () => {
  it('keeps a write made outside a transaction out of it: it waits, and survives the rollback', async () => {
    // Another caller (its own async context) writes while the transaction is open, between two of its awaits.
    let startOutside!: () => void;
    const outside = new Promise<void>((resolve) => (startOutside = resolve)).then(() => store.boxes.setStatus('box-a', 'revoked', T0 + 2));
    await expect(
      store.transaction(async (tx) => {
        await tx.boxes.setStatus('box-b', 'active', T0 + 1);
        startOutside();
        await new Promise((resolve) => setImmediate(resolve));
        await tx.boxes.recordRightsStatus('box-b', 7, T0 + 3);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await outside;
    expect((await store.boxes.get('box-b'))?.status).toBe('pending');
    expect((await store.boxes.get('box-a'))?.status).toBe('revoked');
  });

  it('refuses, with its code, a transaction callback that uses the store instead of its tx repositories', async () => {
    await expect(store.transaction(async () => store.boxes.get('box-a'))).rejects.toMatchObject({ code: 'STORE_OUTSIDE_TRANSACTION' });
    expect((await store.boxes.get('box-a'))?.id).toBe('box-a');
  });
});
