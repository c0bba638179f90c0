/**
 * The repository contract every store engine passes (sqlite-store.test.ts,
 * pg-store.test.ts): the same calls, the same answers. `raw` reads the tables directly
 * (with `?` placeholders), for what the repositories deliberately never return.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandLog } from './command-log.ts';
import type { LiveTopic } from './live-probe.ts';
import type { FleetStore, PassRecord } from './repositories.ts';
import type { RightsCatalog } from './rights-catalog.ts';
import { hashApiToken } from './token-registry.ts';

export interface ContractStore {
  readonly store: FleetStore;
  /** A second store on the same data (another fleet instance), or the same store where the engine has one connection. */
  readonly peer: FleetStore;
  raw<T>(sql: string, args?: readonly unknown[]): Promise<T[]>;
  dispose(): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

export const contractPass = (seq: number): PassRecord => ({
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
  data: { credentialHash: `h${seq}` },
});

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function storeContract(engine: string, open: () => Promise<ContractStore>): void {
  // Inside a describe: the hooks serve these tests only, not the rest of the file.
  describe(`${engine} store contract`, () => {
    let c: ContractStore;
    let store: FleetStore;
    beforeEach(async () => {
      c = await open();
      store = c.store;
      await store.clubs.upsert({ id: 'club-1', name: 'Club One', timezone: 'Europe/Paris', openingHours: { mon: [['06:00', '22:00']] } }, T0);
      await store.boxes.create({ id: 'box-a', clubId: 'club-1', tags: ['pilot', 'paris'], status: 'active' }, T0);
      await store.boxes.create({ id: 'box-b', clubId: 'club-1' }, T0);
    });
    afterEach(() => c.dispose());

    describe(`${engine} store: boxes, devices, passes, events, health, alerts`, () => {
      it('keeps clubs with timezone and opening hours, boxes with tags and filters', async () => {
        expect((await store.clubs.get('club-1'))?.openingHours).toEqual({ mon: [['06:00', '22:00']] });
        expect((await store.boxes.get('box-a'))?.tags).toEqual(['paris', 'pilot']);
        expect((await store.boxes.list({ tag: 'pilot' })).map((b) => b.id)).toEqual(['box-a']);
        expect((await store.boxes.list({ status: 'pending' })).map((b) => b.id)).toEqual(['box-b']);
        await store.boxes.setStatus('box-a', 'revoked', T0 + 5);
        expect((await store.boxes.get('box-a'))?.status).toBe('revoked');
        expect((await store.directory.list({ tag: 'paris', limit: 10, offset: 0 })).map((b) => [b.id, b.tags])).toEqual([['box-a', ['paris', 'pilot']]]);
      });

      it('moves the online "since" time only when the flag changes, and last seen only forward', async () => {
        expect(await store.boxes.setOnline('box-a', true, T0 + 10)).toBe(true);
        expect(await store.boxes.setOnline('box-a', true, T0 + 20)).toBe(false);
        expect(await store.boxes.get('box-a')).toMatchObject({ online: true, onlineChangedAt: T0 + 10 });
        expect(await store.boxes.setOnline('box-a', false, T0 + 30)).toBe(true);
        expect(await store.boxes.get('box-a')).toMatchObject({ online: false, onlineChangedAt: T0 + 30, lastSeenAt: T0 + 30 });
        await store.boxes.touch('box-a', T0 + 5);
        expect((await store.boxes.get('box-a'))?.lastSeenAt).toBe(T0 + 30);
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
        expect(await store.passes.insertBatch('box-a', [contractPass(1), contractPass(2)], T0)).toEqual({ inserted: 2, duplicates: 0 });
        expect(await store.passes.insertBatch('box-a', [contractPass(2), contractPass(1), contractPass(3)], T0)).toEqual({ inserted: 1, duplicates: 2 });
        expect(await store.passes.insertBatch('box-b', [contractPass(1)], T0)).toEqual({ inserted: 1, duplicates: 0 });
        expect(await store.passes.count('box-a')).toBe(3);
        expect((await store.passes.list('box-a', 1, 10)).map((p) => p.seq)).toEqual([2, 3]);
        expect((await store.passReports.query({ credentialHash: 'h3' }, 10)).map((p) => [p.boxId, p.seq, p.clubId])).toEqual([['box-a', 3, 'club-1']]);
        expect((await store.passReports.facts('club-1', T0, T0 + 10, 10)).map((f) => [f.boxId, f.seq, f.granted, f.credentialHash])).toEqual([
          ['box-a', 1, true, 'h1'],
          ['box-b', 1, true, 'h1'],
          ['box-a', 2, true, 'h2'],
          ['box-a', 3, true, 'h3'],
        ]);
      });

      it('stores a group of batches of several boxes in one call, counting a pass for the first batch that carried it', async () => {
        await store.passes.insertBatch('box-a', [contractPass(1)], T0);
        const group = [
          { boxId: 'box-a', passes: [contractPass(1), contractPass(2)] },
          { boxId: 'box-b', passes: [contractPass(1)] },
          { boxId: 'box-a', passes: [contractPass(2), contractPass(3)] },
        ];
        expect(await store.passes.insertGroup(group, T0)).toEqual([{ inserted: 1, duplicates: 1 }, { inserted: 1, duplicates: 0 }, { inserted: 1, duplicates: 1 }]);
        expect([await store.passes.count('box-a'), await store.passes.count('box-b')]).toEqual([3, 1]);
        expect(await store.boxes.existing(['box-b', 'box-zz', 'box-a'])).toEqual(new Set(['box-a', 'box-b']));
      });

      it('stores each pass exactly once when two instances deliver overlapping batches at the same time', async () => {
        const batches = [0, 1, 2, 3].map((k) => Array.from({ length: 600 }, (_, i) => contractPass(k * 300 + i + 1)));
        const results = await Promise.all(batches.map((b, k) => (k % 2 ? c.peer : store).passes.insertBatch('box-a', b, T0)));
        expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(1500);
        expect(await store.passes.count('box-a')).toBe(1500);
      });

      it('names a box’s club siblings and reads back their recent passages a person went through (the occupancy relay)', async () => {
        await store.boxes.create({ id: 'box-alone', clubId: null, status: 'active' }, T0);
        // A pending box (enrolment not finished) gets nothing until it is active.
        expect(await store.relayPeers.siblingsOf('box-a')).toEqual([]);
        await store.boxes.setStatus('box-b', 'active', T0);
        expect(await store.relayPeers.siblingsOf('box-a')).toEqual(['box-b']);
        expect(await store.relayPeers.siblingsOf('box-alone')).toEqual([]);
        const through = (seq: number, passage: Record<string, unknown> | undefined, extra: Partial<PassRecord> = {}): PassRecord => ({ ...contractPass(seq), ...extra, data: { credentialHash: `h${seq}`, ...(passage ? { passage } : {}) } });
        await store.passes.insertBatch('box-b', [through(1, { zoneId: 'club' }), through(2, undefined, { outcome: 'denied', granted: false }), through(3, { zoneId: 'club', ticketId: 'tk-9' }, { direction: 'out', memberId: null })], T0);
        await store.passes.insertBatch('box-a', [through(1, { zoneId: 'club' })], T0);
        expect(await store.relayPeers.passagesSince(['box-b'], T0 + 1, 10)).toEqual([
          { boxId: 'box-b', seq: 1, at: T0 + 1, direction: 'in', memberId: 'm-1', zoneId: 'club', ticketId: null },
          { boxId: 'box-b', seq: 3, at: T0 + 3, direction: 'out', memberId: null, zoneId: 'club', ticketId: 'tk-9' },
        ]);
        expect(await store.relayPeers.passagesSince(['box-b'], T0 + 2, 10)).toHaveLength(1);
        expect(await store.relayPeers.passagesSince([], T0, 10)).toEqual([]);
      });

      it('rolls a whole batch back when one pass fails (nothing half-stored)', async () => {
        const bad = { ...contractPass(2), lane: null as unknown as string };
        await expect(store.passes.insertBatch('box-a', [contractPass(1), bad], T0)).rejects.toThrow();
        expect(await store.passes.count('box-a')).toBe(0);
      });

      it('stores an event once by (box, event id) and keeps the latest per subject', async () => {
        const e = { eventId: 'e1', at: T0, kind: 'printer.paper-low', severity: 'warning', subject: 'printer-1', data: { x: 1 } };
        expect(await store.events.insert('box-a', e, T0)).toBe(true);
        expect(await store.events.insert('box-a', e, T0 + 1)).toBe(false);
        expect(await store.events.insert('box-a', { ...e, eventId: 'e2', at: T0 + 5, kind: 'printer.paper-ok' }, T0 + 5)).toBe(true);
        expect(await store.events.list('box-a', 10)).toHaveLength(2);
        expect(await store.events.latestPerSubject('box-a', 'printer')).toEqual([{ subject: 'printer-1', kind: 'printer.paper-ok', at: T0 + 5 }]);
        expect((await store.history.events({ clubId: 'club-1', limit: 10 })).map((r) => r.eventId)).toEqual(['e2', 'e1']);
      });

      it('downsamples raw health into weighted 15-minute averages and prunes old averages', async () => {
        const q = 15 * 60_000;
        for (let i = 0; i < 6; i++) await store.health.insert('box-a', T0 + i * 5 * 60_000, { cpu: 10 * (i + 1), disk: 50 });
        expect(await store.health.recent('box-a', 'cpu', 2)).toEqual([50, 60]);
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
        expect(await store.history.countOpenAlerts()).toBe(1);
      });
    });

    describe(`${engine} store: transactions`, () => {
      it('commits a transaction whole or rolls it back whole; a write made outside it survives its rollback', async () => {
        let startOutside!: () => void;
        const outside = new Promise<void>((resolve) => (startOutside = resolve)).then(() => store.boxes.setStatus('box-a', 'revoked', T0 + 2));
        await expect(
          store.transaction(async (tx) => {
            await tx.boxes.setStatus('box-b', 'active', T0 + 1);
            await tx.passes.insertBatch('box-b', [contractPass(1)], T0);
            startOutside();
            await new Promise((resolve) => setImmediate(resolve));
            throw new Error('rolled back');
          }),
        ).rejects.toThrow('rolled back');
        await outside;
        expect((await store.boxes.get('box-b'))?.status).toBe('pending');
        expect(await store.passes.count('box-b')).toBe(0);
        expect((await store.boxes.get('box-a'))?.status).toBe('revoked');
        await store.transaction(async (tx) => {
          await tx.passes.insertBatch('box-b', [contractPass(1), contractPass(2)], T0);
          await tx.alerts.raise({ boxId: 'box-b', rule: 'r', subject: '' }, { severity: 'info', message: 'm', detail: {} }, T0);
        });
        expect([await store.passes.count('box-b'), (await store.alerts.listOpen('box-b')).length]).toEqual([2, 1]);
      });

      it('refuses, with its code, a transaction callback that uses the store instead of its tx repositories', async () => {
        await expect(store.transaction(async () => store.boxes.get('box-a'))).rejects.toMatchObject({ code: 'STORE_OUTSIDE_TRANSACTION' });
        expect((await store.boxes.get('box-a'))?.id).toBe('box-a');
      });

      it('reports each change to the live probe, whichever instance made it', async () => {
        const before = await store.live.probe();
        const changed = async (topic: LiveTopic) => (await store.live.probe()).get(topic) !== before.get(topic);
        await c.peer.passes.insertBatch('box-a', [contractPass(1)], T0);
        await eventually(() => changed('passes'), 'the passes topic');
        await c.peer.alerts.raise({ boxId: 'box-a', rule: 'r', subject: '' }, { severity: 'info', message: 'm', detail: {} }, T0);
        await eventually(() => changed('alerts'), 'the alerts topic');
        const desired = { boxId: 'box-a', version: 2, config: { lanes: [{ id: 'lane-1' }] }, setBy: 'tech', ticket: null, setAt: T0 };
        await c.peer.desiredConfigs.put(desired);
        await eventually(() => changed('config'), 'the config topic');
        expect([await store.desiredConfigs.get('box-a'), await store.desiredConfigs.list()]).toEqual([desired, [desired]]);
        expect(await changed('audit')).toBe(false);
      });
    });

    describe(`${engine} store: API repositories`, () => {
      it('stores only the hash of an API token and authenticates until expiry or revocation, recording use at most once a minute', async () => {
        const reg = store.tokens;
        const { token, row } = await reg.create('ops', 'technician', T0, T0 + 100_000);
        expect(JSON.stringify(await c.raw('SELECT * FROM api_tokens'))).not.toContain(token);
        expect(await c.raw('SELECT token_hash FROM api_tokens')).toEqual([{ token_hash: hashApiToken(token) }]);
        expect((await reg.authenticate(token, T0 + 1))?.role).toBe('technician');
        expect(await reg.authenticate(`${token}x`, T0 + 1)).toBeUndefined();
        await reg.authenticate(token, T0 + 30_000);
        expect((await reg.get(row.id))?.lastUsedAt).toBe(T0 + 1);
        await reg.authenticate(token, T0 + 70_011);
        expect((await reg.get(row.id))?.lastUsedAt).toBe(T0 + 70_011);
        expect(await reg.authenticate(token, T0 + 100_000)).toBeUndefined();
        const other = await reg.create('ci', 'admin', T0);
        expect(await reg.countActiveAdmins(T0)).toBe(1);
        expect(await reg.revoke(other.row.id, T0)).toBe(true);
        expect(await reg.revoke(other.row.id, T0)).toBe(false);
        expect(await reg.authenticate(other.token, T0)).toBeUndefined();
        expect((await reg.list()).map((t) => t.name).sort()).toEqual(['ci', 'ops']);
      });

      const insert = (log: CommandLog, id: string) => log.insert({ id, boxId: 'box-a', kind: 'restart-agent', args: {}, createdAt: T0, expiresAt: T0 + 60_000, operator: 'op', ticket: null });

      it('expires unanswered commands, lets a late answer replace an inferred expiry, never an earlier answer, and only from its box', async () => {
        const log = store.commands;
        await insert(log, 'cmd-a');
        await insert(log, 'cmd-b');
        await log.markSent('cmd-a', T0 + 1);
        expect(await log.expireDue(T0 + 59_999)).toBe(0);
        expect(await log.expireDue(T0 + 60_000)).toBe(2);
        expect(await log.recordResult('cmd-a', 'box-b', 'succeeded', {}, T0 + 60_500)).toBe(false);
        expect(await c.peer.commands.recordResult('cmd-a', 'box-a', 'succeeded', { ok: 1 }, T0 + 61_000)).toBe(true);
        expect(await log.get('cmd-a')).toMatchObject({ status: 'succeeded', result: { ok: 1 } });
        expect(await log.recordResult('cmd-a', 'box-a', 'failed', {}, T0 + 62_000)).toBe(false);
        expect((await log.list({ boxId: 'box-a', status: 'expired', limit: 10 })).map((r) => r.id)).toEqual(['cmd-b']);
      });

      const zone = { id: 'z1', name: 'Z', timezone: 'UTC', capacity: null, periods: [], exceptions: [], antiPassback: 'none' as const, antiPassbackMinutes: null, minReentryMinutes: null, bookingWindow: null };
      const member = { id: 'm1', displayName: 'Ana', subscriptionEnd: null, blockingAlerts: [] };
      const cred = { id: 'c1', memberId: 'm1', kind: 'badge' as const, value: '42', validFrom: null, validTo: T0 };
      const key = { keyId: 'k1', publicKey: 'A'.repeat(43), validFrom: null, validTo: null };

      it('bumps the club rights version per change set, keeps tombstones out of snapshots, round-trips every collection', async () => {
        const apply = (changes: Parameters<RightsCatalog['applyInTx']>[1]) => store.transaction((tx) => tx.rights.applyInTx('club-1', changes, T0));
        expect(await apply({ upserts: { zones: [zone], members: [member], credentials: [cred], qrKeys: [key] }, deletes: {} })).toEqual({ baseVersion: 0, version: 1, dangling: [] });
        // Support's search: case-insensitive, its own % and _ literal.
        expect([await store.support.findMembers('aN', 5), await store.support.findMembers('a%', 5)]).toEqual([[{ clubId: 'club-1', memberId: 'm1', name: 'Ana' }], []]);
        expect((await store.support.memberRecords('m1')).map((r) => [r.clubId, r.member.displayName, r.credentials.map((x) => x.id)])).toEqual([['club-1', 'Ana', ['c1']]]);
        expect(await store.rights.snapshot('club-1')).toEqual({ version: 1, data: { zones: [zone], members: [member], credentials: [cred], rights: [], bookings: [], qrKeys: [key] } });
        expect((await apply({ upserts: {}, deletes: { credentials: ['c1'], qrKeys: ['k1'] } })).version).toBe(2);
        const snap = await store.rights.snapshot('club-1');
        expect([snap.version, snap.data.credentials, snap.data.qrKeys]).toEqual([2, [], []]);
        expect(await c.raw('SELECT deleted, version FROM credentials WHERE id = ?', ['c1'])).toEqual([{ deleted: 1, version: 2 }]);
        expect(await store.clubs.rightsVersion('club-1')).toEqual({ version: 2, updatedAt: T0 });
      });

      it('reports rights references to members or zones that are not live', async () => {
        const right = { id: 'r1', memberId: 'm9', kind: 'subscription' as const, zoneIds: ['z9'], validFrom: T0, validTo: T0 + 1, visitsLeft: null, maxEntriesPerDay: null };
        const out = await store.transaction((tx) => tx.rights.applyInTx('club-1', { upserts: { rights: [right] }, deletes: {} }, T0));
        expect(out.dangling).toEqual([
          { collection: 'rights', id: 'r1', missing: 'member m9' },
          { collection: 'rights', id: 'r1', missing: 'zone z9' },
        ]);
      });

      it('appends audit entries and filters them by actor, action, ticket, box and time, newest first, in pages', async () => {
        const a = store.audit;
        const base = { actorRole: 'admin', target: 'x', detail: { n: 1 }, sourceIp: '127.0.0.1' };
        const first = await a.append({ ...base, at: T0, actor: 'alice', action: 'box.create', ticket: 'SUP-1' });
        expect(await a.append({ ...base, at: T0 + 1, actor: 'bob', action: 'box.revoke', ticket: null })).toBeGreaterThan(first);
        await a.append({ ...base, at: T0 + 2, actor: 'alice', action: 'box.revoke', ticket: 'SUP-1' });
        expect((await a.query({ actor: 'alice', limit: 10 })).map((e) => e.at)).toEqual([T0 + 2, T0]);
        expect(await a.query({ ticket: 'SUP-1', action: 'box.revoke', limit: 10 })).toHaveLength(1);
        expect((await a.query({ from: T0 + 1, to: T0 + 2, limit: 10 })).map((e) => e.actor)).toEqual(['bob']);
        expect((await a.query({ limit: 1 }))[0]?.detail).toEqual({ n: 1 });
        // One box's rows: its id as the target, first of several, or a silence of it; not another box whose id it begins.
        for (const target of ['box_1', 'box_1/cmd-1', 'box:box_1', 'box_10', 'boxx1']) await a.append({ ...base, target, at: T0 + 3, actor: 'carol', action: 'box.tags', ticket: null });
        expect((await a.query({ boxId: 'box_1', limit: 10 })).map((e) => e.target)).toEqual(['box:box_1', 'box_1/cmd-1', 'box_1']);
        // Pages, newest first: `before` an entry id.
        const newest = await a.query({ limit: 2 });
        const next = await a.query({ limit: 2, before: newest[1]?.id as number });
        expect(next.map((e) => e.id)).toEqual([(newest[1]?.id as number) - 1, (newest[1]?.id as number) - 2]);
      });

      it('lists boxes searched (id, name, club name), filtered, ordered with empty values last, counted, with facets', async () => {
        await store.clubs.upsert({ id: 'club-2', name: 'Club Deux', timezone: 'Europe/Paris', openingHours: {} }, T0);
        await store.boxes.create({ id: 'box-c', clubId: 'club-2', name: 'Parking 100%', status: 'active' }, T0);
        await store.boxes.create({ id: 'box-d', clubId: 'club-2', name: 'Accueil', status: 'revoked' }, T0);
        await store.boxes.recordState('box-a', { agentVersion: '1.5.0', raw: { hardware: 'rbx-b2' } }, T0);
        await store.boxes.recordState('box-c', { agentVersion: '1.4.2', raw: { hardware: 'rbx-a1' } }, T0 + 5);
        await store.boxes.setOnline('box-c', true, T0 + 5);
        await store.alerts.raise({ boxId: 'box-a', rule: 'r', subject: '1' }, { severity: 'warning', message: 'm', detail: {} }, T0);
        await store.alerts.raise({ boxId: 'box-a', rule: 'r', subject: '2' }, { severity: 'warning', message: 'm', detail: {} }, T0);
        const d = store.directory;
        const ids = async (f: Parameters<typeof d.list>[0]) => (await d.list(f)).map((b) => b.id);
        const page = { limit: 10, offset: 0 };
        expect(await ids({ ...page, q: 'DEUX' })).toEqual(['box-c', 'box-d']);
        expect(await ids({ ...page, q: '100%' })).toEqual(['box-c']);
        expect(await ids({ ...page, q: '_' })).toEqual([]);
        expect(await ids({ ...page, hardware: 'rbx-b2' })).toEqual(['box-a']);
        expect(await ids({ ...page, openAlerts: true })).toEqual(['box-a']);
        expect(await ids({ ...page, openAlerts: false, online: false })).toEqual(['box-b', 'box-d']);
        expect(await ids({ ...page, sort: 'hardware', order: 'desc' })).toEqual(['box-a', 'box-c', 'box-d', 'box-b']);
        expect(await ids({ ...page, sort: 'lastSeen' })).toEqual(['box-a', 'box-c', 'box-b', 'box-d']);
        expect(await ids({ ...page, sort: 'openAlerts', order: 'desc', limit: 2, offset: 1 })).toEqual(['box-d', 'box-c']);
        expect(await ids({ ...page, sort: 'club' })).toEqual(['box-c', 'box-d', 'box-a', 'box-b']);
        expect((await d.list({ ...page, q: 'box-a' }))[0]).toMatchObject({ clubName: 'Club One', openAlerts: 2, hardware: 'rbx-b2' });
        expect(await d.count({ clubId: 'club-2' })).toBe(2);
        expect(await d.facets()).toEqual({
          total: 3,
          active: 2,
          online: 1,
          withOpenAlerts: 1,
          versions: [
            { value: '1.4.2', count: 1 },
            { value: '1.5.0', count: 1 },
            { value: null, count: 1 },
          ],
          hardware: [
            { value: 'rbx-a1', count: 1 },
            { value: 'rbx-b2', count: 1 },
            { value: null, count: 1 },
          ],
        });
      });

      it('creates pending boxes once, redeems an enrollment code once, and moves a request pending -> accepted -> delivered', async () => {
        expect(await store.directory.createPending('box-c', 'club-1', 'C', ['t1'], T0)).toBe(true);
        expect(await store.directory.createPending('box-c', 'club-1', 'C', [], T0)).toBe(false);
        await store.enrollments.addBoxCode('hash-1', 'box-c', 'op', T0, T0 + 1000);
        const redeemed = await Promise.all([store.enrollments.redeemCode('hash-1', T0 + 1), c.peer.enrollments.redeemCode('hash-1', T0 + 1)]);
        expect(redeemed.filter((r) => r !== undefined)).toEqual([{ kind: 'box', boxId: 'box-c', clubId: 'club-1' }]);
        await store.enrollments.insert({ id: 'req-1', boxId: 'box-c', clubId: 'club-1', codeKind: 'box', hardware: { model: 'x' }, agentVersion: '1.0.0', pollSecretHash: 'p', sourceIp: null, createdAt: T0 });
        expect(await store.enrollments.decide('req-1', 'accepted', 'op', T0 + 2)).toBe(true);
        expect(await store.enrollments.markDelivered('req-1', T0 + 3)).toBe(true);
        expect(await c.peer.enrollments.markDelivered('req-1', T0 + 3)).toBe(false);
        expect(await store.enrollments.get('req-1')).toMatchObject({ status: 'delivered', hardware: { model: 'x' }, deliveredAt: T0 + 3 });
      });

      it('keeps rollouts and their boxes, in creation order, with the live ones the engine drives', async () => {
        await store.rollouts.insertArtifact({ targetName: 'a.tgz', length: 1, sha256: 's', sha512: 'S', uploadedBy: 'op', ticket: null, uploadedAt: T0 });
        await store.rollouts.insertArtifact({ targetName: 'b.tgz', length: 2, sha256: 's', sha512: 'S', uploadedBy: 'op', ticket: null, uploadedAt: T0 });
        expect((await store.rollouts.listArtifacts()).map((a) => a.targetName)).toEqual(['b.tgz', 'a.tgz']);
        const row = {
          id: 'ro-1', name: 'R', state: 'running' as const, version: '2.0.0', targetName: 'a.tgz', channel: 'stable', hardware: 'hw', target: { boxes: ['box-a'], clubs: [], tags: [] },
          canary: 1, percents: [100], currentWave: 0, successThresholdPct: 95.5, errorThresholdPct: 10, maxAttempts: 2, jobTimeoutMs: 1000, prefetch: true,
          maintenance: { outsideOpeningHours: false, idleMinutes: null }, haltReason: null, createdBy: 'op', ticket: null, createdAt: T0, updatedAt: T0, startedAt: T0, finishedAt: null,
        };
        await store.rollouts.insertRollout(row, [{ boxId: 'box-a', wave: 0 }]);
        await store.rollouts.insertRollout({ ...row, id: 'ro-0', state: 'draft' }, []);
        expect(await store.rollouts.get('ro-1')).toEqual(row);
        expect((await store.rollouts.list(undefined, 10)).map((r) => r.id)).toEqual(['ro-0', 'ro-1']);
        expect((await store.rollouts.live()).map((r) => r.id)).toEqual(['ro-1']);
        await store.rollouts.updateBox('ro-1', 'box-a', { state: 'in-progress', attempts: 1, lastError: { code: 'X', message: 'm' } }, T0 + 1);
        expect(await store.rollouts.box('ro-1', 'box-a')).toMatchObject({ clubId: 'club-1', state: 'in-progress', attempts: 1, lastError: { code: 'X', message: 'm' }, lastChangeAt: T0 + 1 });
        expect(await store.rollouts.busyElsewhere('ro-2', ['box-a', 'box-b'])).toEqual(['box-a']);
        expect(await store.rollouts.resolveTarget({ boxes: [], clubs: [], tags: ['pilot'] })).toEqual(['box-a']);
      });
    });
  });
}
