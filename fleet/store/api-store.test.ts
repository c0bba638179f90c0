import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteFleetStore } from './sqlite-store.ts';
import type { CommandLog } from './command-log.ts';
import type { RightsCatalog } from './rights-catalog.ts';
import { hashApiToken } from './token-registry.ts';

const T = 1_767_600_000_000;
let store: SqliteFleetStore;
beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.directory.upsertClub({ id: 'club-1', name: 'One', timezone: 'UTC', openingHours: {} }, T);
});
afterEach(() => store.close());

describe('TokenRegistry', () => {
  it('stores only the hash and authenticates until expiry or revocation', async () => {
    const reg = store.tokens;
    const { token, row } = await reg.create('ops', 'technician', T, T + 1000);
    expect(JSON.stringify(store.db.prepare('SELECT * FROM api_tokens').all())).not.toContain(token);
    expect(store.db.prepare('SELECT token_hash FROM api_tokens').get()).toEqual({ token_hash: hashApiToken(token) });
    expect((await reg.authenticate(token, T + 1))?.role).toBe('technician');
    expect(await reg.authenticate(`${token}x`, T + 1)).toBeUndefined();
    expect(await reg.authenticate(token, T + 1000)).toBeUndefined();
    const other = await reg.create('ci', 'viewer', T);
    expect(await reg.revoke(other.row.id, T)).toBe(true);
    expect(await reg.revoke(other.row.id, T)).toBe(false);
    expect(await reg.authenticate(other.token, T)).toBeUndefined();
    expect((await reg.get(row.id))?.lastUsedAt).toBe(T + 1);
  });

  it('records the last use at most once a minute', async () => {
    const reg = store.tokens;
    const { token, row } = await reg.create('ops', 'admin', T);
    await reg.authenticate(token, T + 10);
    await reg.authenticate(token, T + 30_000);
    expect((await reg.get(row.id))?.lastUsedAt).toBe(T + 10);
    await reg.authenticate(token, T + 70_011);
    expect((await reg.get(row.id))?.lastUsedAt).toBe(T + 70_011);
    expect(await reg.countActiveAdmins(T)).toBe(1);
  });
});

describe('CommandLog', () => {
  const insert = (log: CommandLog, id: string) => log.insert({ id, boxId: 'box-1', kind: 'restart-agent', args: {}, createdAt: T, expiresAt: T + 60_000, operator: 'op', ticket: null });
  beforeEach(() => store.directory.createPending('box-1', 'club-1', '', [], T));

  it('expires unanswered commands, lets a late answer replace an inferred expiry, never an earlier answer', async () => {
    const log = store.commands;
    await insert(log, 'cmd-a');
    await insert(log, 'cmd-b');
    await log.markSent('cmd-a', T + 1);
    expect(await log.expireDue(T + 59_999)).toBe(0);
    expect(await log.expireDue(T + 60_000)).toBe(2);
    expect(await log.recordResult('cmd-a', 'box-1', 'succeeded', { ok: 1 }, T + 61_000)).toBe(true);
    expect(await log.get('cmd-a')).toMatchObject({ status: 'succeeded', result: { ok: 1 } });
    expect(await log.recordResult('cmd-a', 'box-1', 'failed', {}, T + 62_000)).toBe(false);
    expect((await log.get('cmd-b'))?.status).toBe('expired');
  });

  it('accepts a result only from the box the command was sent to', async () => {
    const log = store.commands;
    await insert(log, 'cmd-c');
    expect(await log.recordResult('cmd-c', 'box-2', 'succeeded', {}, T)).toBe(false);
    expect((await log.get('cmd-c'))?.status).toBe('pending');
  });
});

describe('RightsCatalog', () => {
  const zone = { id: 'z1', name: 'Z', timezone: 'UTC', capacity: null, periods: [], exceptions: [], antiPassback: 'none' as const, antiPassbackMinutes: null, minReentryMinutes: null, bookingWindow: null };
  const member = { id: 'm1', displayName: 'Ana', subscriptionEnd: null, blockingAlerts: [] };
  const cred = { id: 'c1', memberId: 'm1', kind: 'badge' as const, value: '42', validFrom: null, validTo: T };
  const key = { keyId: 'k1', publicKey: 'A'.repeat(43), validFrom: null, validTo: null };

  it('bumps the club version per change set, keeps tombstones out of snapshots, round-trips every collection', async () => {
    const cat = store.rights;
    const apply = (changes: Parameters<RightsCatalog['applyInTx']>[1]) => store.transaction((tx) => tx.rights.applyInTx('club-1', changes, T));
    expect(await apply({ upserts: { zones: [zone], members: [member], credentials: [cred], qrKeys: [key] }, deletes: {} })).toEqual({ baseVersion: 0, version: 1, dangling: [] });
    expect(await cat.snapshot('club-1')).toEqual({ version: 1, data: { zones: [zone], members: [member], credentials: [cred], rights: [], bookings: [], qrKeys: [key] } });
    expect((await apply({ upserts: {}, deletes: { credentials: ['c1'], qrKeys: ['k1'] } })).version).toBe(2);
    const snap = await cat.snapshot('club-1');
    expect([snap.version, snap.data.credentials, snap.data.qrKeys]).toEqual([2, [], []]);
    expect(store.db.prepare('SELECT deleted, version FROM credentials WHERE id = ?').get('c1')).toEqual({ deleted: 1, version: 2 });
  });

  it('reports references to members or zones that are not live', async () => {
    const cat = store.rights;
    const right = { id: 'r1', memberId: 'm9', kind: 'subscription' as const, zoneIds: ['z9'], validFrom: T, validTo: T + 1, visitsLeft: null, maxEntriesPerDay: null };
    const out = await cat.applyInTx('club-1', { upserts: { rights: [right] }, deletes: {} }, T);
    expect(out.dangling).toEqual([
      { collection: 'rights', id: 'r1', missing: 'member m9' },
      { collection: 'rights', id: 'r1', missing: 'zone z9' },
    ]);
  });
});

describe('AuditTrail', () => {
  it('appends and filters by actor, action, ticket and time, newest first', async () => {
    const a = store.audit;
    const base = { actorRole: 'admin', target: 'x', detail: { n: 1 }, sourceIp: '127.0.0.1' };
    await a.append({ ...base, at: T, actor: 'alice', action: 'box.create', ticket: 'SUP-1' });
    await a.append({ ...base, at: T + 1, actor: 'bob', action: 'box.revoke', ticket: null });
    await a.append({ ...base, at: T + 2, actor: 'alice', action: 'box.revoke', ticket: 'SUP-1' });
    expect((await a.query({ actor: 'alice', limit: 10 })).map((e) => e.at)).toEqual([T + 2, T]);
    expect(await a.query({ ticket: 'SUP-1', action: 'box.revoke', limit: 10 })).toHaveLength(1);
    expect((await a.query({ from: T + 1, to: T + 2, limit: 10 })).map((e) => e.actor)).toEqual(['bob']);
    expect((await a.query({ limit: 1 }))[0]?.detail).toEqual({ n: 1 });
  });
});
