import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, topicFor } from '../../protocol/mqtt/index.ts';
import { connectBox, enrollBox, nextMessage, startTestFleet, type Json, type TestFleet } from '../support/fleet-harness.ts';

const T = 1_767_600_000_000;
const zone = { id: 'z-main', name: 'Main floor', timezone: 'Europe/Paris', capacity: null, periods: [{ weekday: 1, from: '06:00', to: '22:00' }], exceptions: [], antiPassback: 'none', antiPassbackMinutes: null, minReentryMinutes: null, bookingWindow: null };
const member = (id: string, name: string) => ({ id, displayName: name, subscriptionEnd: T + 86_400_000, blockingAlerts: [] });
const badge = (id: string, memberId: string, value: string) => ({ id, memberId, kind: 'badge', value, validFrom: null, validTo: null });
const right = (id: string, memberId: string) => ({ id, memberId, kind: 'subscription', zoneIds: ['z-main'], validFrom: T, validTo: T + 86_400_000, visitsLeft: null, maxEntriesPerDay: null });

describe('rights upsert -> versioned delta on the club boxes, snapshot on request', () => {
  let f: TestFleet;
  let boxA: MqttClient;
  let boxB: MqttClient;
  let other: MqttClient;
  const rightsTopic = (id: string) => topicFor('rights', id);
  const asDecoded = (m: Json) => {
    const d = decode('rights', JSON.stringify(m));
    if (!d.ok) throw new Error(d.error.message);
    return d.value;
  };

  beforeAll(async () => {
    f = await startTestFleet();
    await f.call('admin', 'PUT', '/v1/clubs/club-r', { name: 'R', timezone: 'Europe/Paris' });
    await f.call('admin', 'PUT', '/v1/clubs/club-s', { name: 'S', timezone: 'Europe/Paris' });
    const a = await enrollBox(f, 'box-r-1', 'club-r');
    const b = await enrollBox(f, 'box-r-2', 'club-r');
    const c = await enrollBox(f, 'box-s-1', 'club-s');
    [boxA, boxB, other] = await Promise.all([connectBox(f.mqttUrl, a.boxId, a.password), connectBox(f.mqttUrl, b.boxId, b.password), connectBox(f.mqttUrl, c.boxId, c.password)]);
    await Promise.all([boxA.subscribeAsync(rightsTopic('box-r-1'), { qos: 1 }), boxB.subscribeAsync(rightsTopic('box-r-2'), { qos: 1 }), other.subscribeAsync(rightsTopic('box-s-1'), { qos: 1 })]);
  });
  afterAll(async () => {
    await Promise.all([boxA, boxB, other].map((c) => c.endAsync(true)));
    await f.close();
  });

  it('publishes each upsert as a delta with an incremented version to every box of the club, and only those', async () => {
    let otherGot = 0;
    other.on('message', () => otherGot++);
    const gotA = nextMessage(boxA, rightsTopic('box-r-1'));
    const gotB = nextMessage(boxB, rightsTopic('box-r-2'));
    const first = await f.call('admin', 'POST', '/v1/clubs/club-r/rights', { upserts: { zones: [zone], members: [member('m-1', 'Ana')], credentials: [badge('c-1', 'm-1', '00123456')], rights: [right('r-1', 'm-1')] } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ clubId: 'club-r', baseVersion: 0, version: 1, boxesNotified: 2 });
    const [dA, dB] = await Promise.all([gotA, gotB]);
    expect(asDecoded(dA)).toMatchObject({ kind: 'delta', clubId: 'club-r', version: 1, baseVersion: 0 });
    expect(dA.upserts.members).toEqual([member('m-1', 'Ana')]);
    expect(dB).toEqual(dA);

    const nextA = nextMessage(boxA, rightsTopic('box-r-1'));
    const second = await f.call('admin', 'POST', '/v1/clubs/club-r/rights', { upserts: { members: [member('m-2', 'Bo')], credentials: [badge('c-2', 'm-2', '00999999')] }, deletes: { credentials: ['c-1'] } }, { 'x-ticket': 'CRM-5' });
    expect(second.body).toMatchObject({ baseVersion: 1, version: 2 });
    const d2 = asDecoded(await nextA);
    expect(d2).toMatchObject({ kind: 'delta', version: 2, baseVersion: 1, deletes: { credentials: ['c-1'] } });
    expect(otherGot).toBe(0);

    const audit = await f.call('admin', 'GET', '/v1/audit?action=rights.upsert');
    expect(audit.body.entries[0]).toMatchObject({ target: 'club-r', ticket: 'CRM-5', detail: expect.objectContaining({ version: 2 }) });
  });

  it('delivers concurrent upserts to a box in version order', async () => {
    const seen: number[] = [];
    const both = new Promise<void>((resolve) => {
      boxA.on('message', (_t, p) => {
        seen.push(JSON.parse(p.toString()).version);
        if (seen.length === 2) resolve();
      });
    });
    const [r1, r2] = await Promise.all([
      f.call('admin', 'POST', '/v1/clubs/club-r/rights', { upserts: { members: [member('m-3', 'Cy')] } }),
      f.call('admin', 'POST', '/v1/clubs/club-r/rights', { upserts: { members: [member('m-4', 'Di')] } }),
    ]);
    await both;
    expect([r1.body.version, r2.body.version].sort()).toEqual([3, 4]);
    expect(seen).toEqual([3, 4]);
    boxA.removeAllListeners('message');
  });

  it('answers a box rights/request with the full snapshot at the current version', async () => {
    const snap = nextMessage(boxB, rightsTopic('box-r-2'), (m) => m.kind === 'snapshot');
    await boxB.publishAsync(topicFor('rightsRequest', 'box-r-2'), Buffer.from(encode('rightsRequest', { v: 1, haveVersion: 0, reason: 'gap', ts: f.clock.now() })), { qos: 1 });
    const s = asDecoded(await snap);
    expect(s).toMatchObject({ kind: 'snapshot', clubId: 'club-r', version: 4, chunk: 0, chunks: 1 });
    if (s.kind !== 'snapshot') throw new Error('not a snapshot');
    expect(s.data.members.map((m) => m.id).sort()).toEqual(['m-1', 'm-2', 'm-3', 'm-4']);
    expect(s.data.credentials.map((c) => c.id)).toEqual(['c-2']);
    expect(s.data.zones).toEqual([zone]);
    expect(s.data.rights).toEqual([right('r-1', 'm-1')]);
    const viaApi = await f.call('support', 'GET', '/v1/clubs/club-r/rights');
    expect(viaApi.body).toMatchObject({ clubId: 'club-r', version: 4 });
    expect(viaApi.body.data).toEqual(s.data);
  });

  it('refuses a change that leaves a dangling reference, without a new version', async () => {
    const r = await f.call('admin', 'POST', '/v1/clubs/club-r/rights', { upserts: { credentials: [badge('c-9', 'm-unknown', '1')] } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('RIGHTS_UNKNOWN_REFERENCE');
    expect(r.body.error.detail.dangling[0]).toMatchObject({ collection: 'credentials', id: 'c-9', missing: 'member m-unknown' });
    expect((await f.call('support', 'GET', '/v1/clubs/club-r/rights')).body.version).toBe(4);
    const bad = await f.call('admin', 'POST', '/v1/clubs/club-r/rights', { upserts: { members: [{ id: 'm-3' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('API_VALIDATION_FAILED');
    expect(bad.body.error.message).toMatch(/^body\/upserts\/members\/0/);
    expect((await f.call('admin', 'POST', '/v1/clubs/club-x/rights', { upserts: {} })).body.error.code).toBe('CLUB_NOT_FOUND');
  });

  it('dates a pack count at the upsert when the backend does not say, and passes on a date it does say', async () => {
    const pack = (id: string, extra: Json = {}) => ({ ...right(id, 'm-1'), kind: 'pack', visitsLeft: 10, ...extra });
    const delta = nextMessage(boxA, rightsTopic('box-r-1'));
    const r = await f.call('admin', 'POST', '/v1/clubs/club-r/rights', { upserts: { rights: [pack('r-p1'), pack('r-p2', { visitsCountedUntil: T + 5 })] } });
    expect(r.status).toBe(200);
    const d = asDecoded(await delta);
    if (d.kind !== 'delta') throw new Error('not a delta');
    expect(d.upserts.rights).toEqual([pack('r-p1', { visitsCountedUntil: d.generatedAt }), pack('r-p2', { visitsCountedUntil: T + 5 })]);
    const stored = (await f.call('support', 'GET', '/v1/clubs/club-r/rights')).body.data.rights as Json[];
    expect(stored.filter((x) => x['kind'] === 'pack')).toEqual(d.upserts.rights);
  });

  it("publishes a box's announced ticket key to its club as a ticket key, once; a new key retires the old one after a ticket's lifetime", async () => {
    const key = (n: number) => ({ keyId: `tkey${n}`, publicKey: Buffer.alloc(32, n).toString('base64url') });
    const online = (ticketKey: Json) => encode('state', { v: 1, state: 'online', reason: 'connected', agentVersion: '1.0.0', bootId: 'boot-1', ts: f.clock.now(), ticketKey } as never);
    // Only deltas carrying keys: the earlier tests' deltas to box B may still be on their way.
    const keysDelta = (m: Json) => m.kind === 'delta' && (m.upserts as { qrKeys: unknown[] }).qrKeys.length > 0;
    const delta = nextMessage(boxB, rightsTopic('box-r-2'), keysDelta);
    await boxA.publishAsync(topicFor('state', 'box-r-1'), Buffer.from(online(key(1))), { qos: 1, retain: true });
    const d = asDecoded(await delta);
    if (d.kind !== 'delta') throw new Error('not a delta');
    expect(d.clubName).toBe('R');
    expect(d.upserts.qrKeys).toEqual([{ ...key(1), validFrom: null, validTo: null, use: 'ticket', issuer: 'box-r-1' }]);
    // The same key again (every reconnect) changes nothing; another box may not claim it.
    const before = (await f.call('support', 'GET', '/v1/clubs/club-r/rights')).body.version;
    await boxA.publishAsync(topicFor('state', 'box-r-1'), Buffer.from(online(key(1))), { qos: 1, retain: true });
    await boxB.publishAsync(topicFor('state', 'box-r-2'), Buffer.from(online({ ...key(1), publicKey: key(9).publicKey })), { qos: 1, retain: true });
    const rotated = nextMessage(boxB, rightsTopic('box-r-2'), keysDelta);
    await boxA.publishAsync(topicFor('state', 'box-r-1'), Buffer.from(online(key(2))), { qos: 1, retain: true });
    const r = asDecoded(await rotated);
    if (r.kind !== 'delta') throw new Error('not a delta');
    expect(r.version).toBe(before + 1);
    expect(r.upserts.qrKeys).toEqual([
      { ...key(1), validFrom: null, validTo: r.generatedAt + 24 * 3600_000, use: 'ticket', issuer: 'box-r-1' },
      { ...key(2), validFrom: null, validTo: null, use: 'ticket', issuer: 'box-r-1' },
    ]);
    const snap = nextMessage(boxB, rightsTopic('box-r-2'), (m) => m.kind === 'snapshot');
    await boxB.publishAsync(topicFor('rightsRequest', 'box-r-2'), Buffer.from(encode('rightsRequest', { v: 1, haveVersion: 0, reason: 'gap', ts: f.clock.now() })), { qos: 1 });
    expect(asDecoded(await snap)).toMatchObject({ kind: 'snapshot', clubName: 'R' });

    // Revoked (stolen, decommissioned): its key stops being trusted at once.
    const retired = nextMessage(boxB, rightsTopic('box-r-2'), keysDelta);
    const revoke = await f.call('admin', 'POST', '/v1/boxes/box-r-1/revoke', { reason: 'volé' });
    expect(revoke.status).toBe(200);
    const gone = asDecoded(await retired);
    if (gone.kind !== 'delta') throw new Error('not a delta');
    expect(gone.upserts.qrKeys).toEqual([1, 2].map((n) => ({ ...key(n), validFrom: null, validTo: gone.generatedAt, use: 'ticket', issuer: 'box-r-1' })));
  });
});
