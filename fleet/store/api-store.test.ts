import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteFleetStore } from './sqlite-store.ts';
import { AuditTrail } from './audit-trail.ts';
import { BoxDirectory } from './box-directory.ts';
import { CommandLog } from './command-log.ts';
import { RightsCatalog } from './rights-catalog.ts';
import { hashApiToken, TokenRegistry } from './token-registry.ts';

const T = 1_767_600_000_000;
let store: SqliteFleetStore;
beforeEach(() => {
  store = openSqliteStore(':memory:');
  new BoxDirectory(store.db).upsertClub({ id: 'club-1', name: 'One', timezone: 'UTC', openingHours: {} }, T);
});
afterEach(() => store.close());

describe('TokenRegistry', () => {
  it('stores only the hash and authenticates until expiry or revocation', () => {
    const reg = new TokenRegistry(store.db);
    const { token, row } = reg.create('ops', 'technician', T, T + 1000);
    expect(JSON.stringify(store.db.prepare('SELECT * FROM api_tokens').all())).not.toContain(token);
    expect(store.db.prepare('SELECT token_hash FROM api_tokens').get()).toEqual({ token_hash: hashApiToken(token) });
    expect(reg.authenticate(token, T + 1)?.role).toBe('technician');
    expect(reg.authenticate(`${token}x`, T + 1)).toBeUndefined();
    expect(reg.authenticate(token, T + 1000)).toBeUndefined();
    const other = reg.create('ci', 'viewer', T);
    expect(reg.revoke(other.row.id, T)).toBe(true);
    expect(reg.revoke(other.row.id, T)).toBe(false);
    expect(reg.authenticate(other.token, T)).toBeUndefined();
    expect(reg.get(row.id)?.lastUsedAt).toBe(T + 1);
  });

  it('records the last use at most once a minute', () => {
    const reg = new TokenRegistry(store.db);
    const { token, row } = reg.create('ops', 'admin', T);
    reg.authenticate(token, T + 10);
    reg.authenticate(token, T + 30_000);
    expect(reg.get(row.id)?.lastUsedAt).toBe(T + 10);
    reg.authenticate(token, T + 70_011);
    expect(reg.get(row.id)?.lastUsedAt).toBe(T + 70_011);
    expect(reg.countActiveAdmins(T)).toBe(1);
  });
});

describe('CommandLog', () => {
  const insert = (log: CommandLog, id: string) => log.insert({ id, boxId: 'box-1', kind: 'restart-agent', args: {}, createdAt: T, expiresAt: T + 60_000, operator: 'op', ticket: null });
  beforeEach(() => new BoxDirectory(store.db).createPending('box-1', 'club-1', '', [], T));

  it('expires unanswered commands, lets a late answer replace an inferred expiry, never an earlier answer', () => {
    const log = new CommandLog(store.db);
    insert(log, 'cmd-a');
    insert(log, 'cmd-b');
    log.markSent('cmd-a', T + 1);
    expect(log.expireDue(T + 59_999)).toBe(0);
    expect(log.expireDue(T + 60_000)).toBe(2);
    expect(log.recordResult('cmd-a', 'box-1', 'succeeded', { ok: 1 }, T + 61_000)).toBe(true);
    expect(log.get('cmd-a')).toMatchObject({ status: 'succeeded', result: { ok: 1 } });
    expect(log.recordResult('cmd-a', 'box-1', 'failed', {}, T + 62_000)).toBe(false);
    expect(log.get('cmd-b')?.status).toBe('expired');
  });

  it('accepts a result only from the box the command was sent to', () => {
    const log = new CommandLog(store.db);
    insert(log, 'cmd-c');
    expect(log.recordResult('cmd-c', 'box-2', 'succeeded', {}, T)).toBe(false);
    expect(log.get('cmd-c')?.status).toBe('pending');
  });
});

describe('RightsCatalog', () => {
  const zone = { id: 'z1', name: 'Z', timezone: 'UTC', capacity: null, periods: [], exceptions: [], antiPassback: 'none' as const, antiPassbackMinutes: null, minReentryMinutes: null, bookingWindow: null };
  const member = { id: 'm1', displayName: 'Ana', subscriptionEnd: null, blockingAlerts: [] };
  const cred = { id: 'c1', memberId: 'm1', kind: 'badge' as const, value: '42', validFrom: null, validTo: T };
  const key = { keyId: 'k1', publicKey: 'A'.repeat(43), validFrom: null, validTo: null };

  it('bumps the club version per change set, keeps tombstones out of snapshots, round-trips every collection', () => {
    const cat = new RightsCatalog(store.db);
    const apply = (changes: Parameters<RightsCatalog['applyInTx']>[1]) => store.db.transaction(() => cat.applyInTx('club-1', changes, T))();
    expect(apply({ upserts: { zones: [zone], members: [member], credentials: [cred], qrKeys: [key] }, deletes: {} })).toEqual({ baseVersion: 0, version: 1, dangling: [] });
    expect(cat.snapshot('club-1')).toEqual({ version: 1, data: { zones: [zone], members: [member], credentials: [cred], rights: [], bookings: [], qrKeys: [key] } });
    expect(apply({ upserts: {}, deletes: { credentials: ['c1'], qrKeys: ['k1'] } }).version).toBe(2);
    const snap = cat.snapshot('club-1');
    expect([snap.version, snap.data.credentials, snap.data.qrKeys]).toEqual([2, [], []]);
    expect(store.db.prepare('SELECT deleted, version FROM credentials WHERE id = ?').get('c1')).toEqual({ deleted: 1, version: 2 });
  });

  it('reports references to members or zones that are not live', () => {
    const cat = new RightsCatalog(store.db);
    const right = { id: 'r1', memberId: 'm9', kind: 'subscription' as const, zoneIds: ['z9'], validFrom: T, validTo: T + 1, visitsLeft: null, maxEntriesPerDay: null };
    const out = cat.applyInTx('club-1', { upserts: { rights: [right] }, deletes: {} }, T);
    expect(out.dangling).toEqual([
      { collection: 'rights', id: 'r1', missing: 'member m9' },
      { collection: 'rights', id: 'r1', missing: 'zone z9' },
    ]);
  });
});

describe('AuditTrail', () => {
  it('appends and filters by actor, action, ticket and time, newest first', () => {
    const a = new AuditTrail(store.db);
    const base = { actorRole: 'admin', target: 'x', detail: { n: 1 }, sourceIp: '127.0.0.1' };
    a.append({ ...base, at: T, actor: 'alice', action: 'box.create', ticket: 'SUP-1' });
    a.append({ ...base, at: T + 1, actor: 'bob', action: 'box.revoke', ticket: null });
    a.append({ ...base, at: T + 2, actor: 'alice', action: 'box.revoke', ticket: 'SUP-1' });
    expect(a.query({ actor: 'alice', limit: 10 }).map((e) => e.at)).toEqual([T + 2, T]);
    expect(a.query({ ticket: 'SUP-1', action: 'box.revoke', limit: 10 })).toHaveLength(1);
    expect(a.query({ from: T + 1, to: T + 2, limit: 10 }).map((e) => e.actor)).toEqual(['bob']);
    expect(a.query({ limit: 1 })[0]?.detail).toEqual({ n: 1 });
  });
});
