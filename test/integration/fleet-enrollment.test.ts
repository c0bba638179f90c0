import { randomBytes } from 'node:crypto';
import { copyFile, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { installTrustAnchor, trustAnchorPath } from '../../agent/update/trust-anchor.ts';
import { makeRepository } from '../support/update-fixtures.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBox, enrollBox, sha256Hex, startTestFleet, type TestFleet } from '../support/fleet-harness.ts';
import type { SqliteFleetStore } from '../../fleet/store/sqlite-store.ts';

describe('enrollment end to end: code -> pending -> accept -> MQTT with issued credentials -> revoke -> cut off', () => {
  let f: TestFleet;
  beforeAll(async () => {
    f = await startTestFleet();
    expect((await f.call('admin', 'PUT', '/v1/clubs/club-nord', { name: 'Club Nord', timezone: 'Europe/Paris' })).status).toBe(200);
  });
  afterAll(async () => {
    await f.close();
  });

  it('enrolls a box once, lets it connect, and cuts it off on revocation', async () => {
    const created = await f.call('technician', 'POST', '/v1/boxes', { id: 'box-nord-1', clubId: 'club-nord', tags: ['pilot'] }, { 'x-ticket': 'SUP-77' });
    expect(created.status).toBe(201);
    expect(created.body.box).toMatchObject({ id: 'box-nord-1', status: 'pending', tags: ['pilot'] });
    const code: string = created.body.enrollment.code;

    const secret = randomBytes(24).toString('base64url');
    const presentBody = { code: code.toLowerCase(), hardware: { model: 'rb-2', serial: 'SN123' }, agentVersion: '1.2.0', pollSecretHash: sha256Hex(secret) };
    const presented = await f.call(null, 'POST', '/v1/enrollments', presentBody);
    expect(presented.status).toBe(202);
    expect(presented.body).toMatchObject({ boxId: 'box-nord-1', status: 'pending' });
    const enrollmentId: string = presented.body.enrollmentId;

    // Single use: the same code again is refused, with its code.
    const again = await f.call(null, 'POST', '/v1/enrollments', presentBody);
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('ENROLLMENT_CODE_INVALID');

    // Pending: nothing to fetch yet; a wrong secret learns nothing.
    expect((await f.call(null, 'POST', `/v1/enrollments/${enrollmentId}/poll`, { pollSecret: secret })).body).toEqual({ status: 'pending' });
    const wrong = await f.call(null, 'POST', `/v1/enrollments/${enrollmentId}/poll`, { pollSecret: 'x'.repeat(32) });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('ENROLLMENT_SECRET_INVALID');
    const pending = await f.call('viewer', 'GET', '/v1/enrollments?status=pending');
    expect(pending.body.enrollments.map((e: { id: string }) => e.id)).toContain(enrollmentId);
    expect(pending.body.enrollments[0]).not.toHaveProperty('pollSecretHash');
    expect((await f.call('viewer', 'GET', '/v1/boxes?status=pending')).body.boxes.map((b: { id: string }) => b.id)).toContain('box-nord-1');

    // A viewer may not accept; a technician may.
    expect((await f.call('viewer', 'POST', `/v1/enrollments/${enrollmentId}/accept`, {})).status).toBe(403);
    const accepted = await f.call('technician', 'POST', `/v1/enrollments/${enrollmentId}/accept`, {});
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('accepted');

    const delivered = await f.call(null, 'POST', `/v1/enrollments/${enrollmentId}/poll`, { pollSecret: secret });
    expect(delivered.status).toBe(200);
    expect(delivered.body).toMatchObject({ status: 'delivered', credentials: { boxId: 'box-nord-1', username: 'box-nord-1', clientId: 'box-nord-1' } });
    // No update repository yet: no trust root to hand over.
    expect(delivered.body).not.toHaveProperty('trustRoot');
    const password: string = delivered.body.credentials.password;
    expect(password.length).toBeGreaterThanOrEqual(40);
    // Exactly once.
    const twice = await f.call(null, 'POST', `/v1/enrollments/${enrollmentId}/poll`, { pollSecret: secret });
    expect(twice.status).toBe(410);
    expect(twice.body.error.code).toBe('ENROLLMENT_ALREADY_DELIVERED');
    // Only hashes are stored.
    const stored = (f.svc.fleet.store as SqliteFleetStore).db.prepare('SELECT credential_hash FROM boxes WHERE id = ?').get('box-nord-1') as { credential_hash: string };
    expect(stored.credential_hash).toMatch(/^scrypt\$/);
    expect(stored.credential_hash).not.toContain(password);

    // The box connects with the issued credentials; a wrong password is refused.
    await expect(mqtt.connectAsync(f.mqttUrl, { protocolVersion: 4, clientId: 'box-nord-1', username: 'box-nord-1', password: 'nope', reconnectPeriod: 0 })).rejects.toThrow();
    const box = await connectBox(f.mqttUrl, 'box-nord-1', password);
    expect(box.connected).toBe(true);
    const closed = new Promise<void>((resolve) => box.once('close', () => resolve()));

    const revoked = await f.call('technician', 'POST', '/v1/boxes/box-nord-1/revoke', { reason: 'stolen', ticket: 'SUP-78' });
    expect(revoked.status).toBe(200);
    expect(revoked.body.box.status).toBe('revoked');
    await closed;
    await expect(connectBox(f.mqttUrl, 'box-nord-1', password)).rejects.toThrow();
    box.end(true);

    const audit = await f.call('admin', 'GET', '/v1/audit?limit=50');
    const actions = audit.body.entries.map((e: { action: string }) => e.action);
    for (const a of ['box.create', 'enrollment.present', 'enrollment.accept', 'enrollment.deliver', 'box.revoke']) expect(actions).toContain(a);
    const create = audit.body.entries.find((e: { action: string }) => e.action === 'box.create');
    expect(create).toMatchObject({ actor: expect.stringMatching(/^technician-user#tok_/), actorRole: 'technician', target: 'box-nord-1', ticket: 'SUP-77' });
    expect(audit.body.entries.find((e: { action: string }) => e.action === 'box.revoke')).toMatchObject({ ticket: 'SUP-78', detail: expect.objectContaining({ reason: 'stolen' }) });
    // The pending polls changed nothing and left no rows.
    expect(actions.filter((a: string) => a === 'enrollment.deliver')).toHaveLength(1);
  });

  it('accepts a club code with a box-proposed id, rejects, and never re-activates a box revoked before delivery', async () => {
    const issued = await f.call('technician', 'POST', '/v1/enrollment-codes', { clubId: 'club-nord', tags: ['north'] });
    expect(issued.status).toBe(201);
    const secret = randomBytes(24).toString('base64url');
    const presented = await f.call(null, 'POST', '/v1/enrollments', { code: issued.body.code, boxId: 'box-nord-2', hardware: {}, agentVersion: '1.2.0', pollSecretHash: sha256Hex(secret) });
    expect(presented.status).toBe(202);
    expect((await f.call('viewer', 'GET', '/v1/boxes/box-nord-2')).body).toMatchObject({ status: 'pending', tags: ['north'], clubId: 'club-nord' });
    await f.call('technician', 'POST', `/v1/enrollments/${presented.body.enrollmentId}/accept`, {});
    await f.call('technician', 'POST', '/v1/boxes/box-nord-2/revoke', {});
    const late = await f.call(null, 'POST', `/v1/enrollments/${presented.body.enrollmentId}/poll`, { pollSecret: secret });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('BOX_REVOKED');
    expect((await f.call('viewer', 'GET', '/v1/boxes/box-nord-2')).body.status).toBe('revoked');

    const other = await f.call('technician', 'POST', '/v1/enrollment-codes', { clubId: 'club-nord' });
    const p2 = await f.call(null, 'POST', '/v1/enrollments', { code: other.body.code, hardware: {}, agentVersion: '1.2.0', pollSecretHash: sha256Hex(secret) });
    expect(p2.body.boxId).toMatch(/^box-[0-9a-f]{12}$/);
    const rejected = await f.call('technician', 'POST', `/v1/enrollments/${p2.body.enrollmentId}/reject`, {});
    expect(rejected.body.status).toBe('rejected');
    expect((await f.call('viewer', 'GET', `/v1/boxes/${p2.body.boxId}`)).status).toBe(404);
    expect((await f.call(null, 'POST', `/v1/enrollments/${p2.body.enrollmentId}/poll`, { pollSecret: secret })).body).toEqual({ status: 'rejected' });
  });

  it('re-enrolls an active box: the old session is cut and the old secret stops working', async () => {
    f.clock.advance(60_000); // a fresh rate-limit window: the tests above used this client's budget
    const first = await enrollBox(f, 'box-nord-3', 'club-nord');
    const box = await connectBox(f.mqttUrl, 'box-nord-3', first.password);
    const closed = new Promise<void>((resolve) => box.once('close', () => resolve()));
    const code = (await f.call('technician', 'POST', '/v1/boxes/box-nord-3/enrollment-code', {})).body.code;
    const secret = randomBytes(24).toString('base64url');
    const p = await f.call(null, 'POST', '/v1/enrollments', { code, boxId: 'box-nord-3', hardware: {}, agentVersion: '1.3.0', pollSecretHash: sha256Hex(secret) });
    await f.call('technician', 'POST', `/v1/enrollments/${p.body.enrollmentId}/accept`, {});
    const second = (await f.call(null, 'POST', `/v1/enrollments/${p.body.enrollmentId}/poll`, { pollSecret: secret })).body.credentials.password;
    await closed;
    box.end(true);
    await expect(connectBox(f.mqttUrl, 'box-nord-3', first.password)).rejects.toThrow();
    const again = await connectBox(f.mqttUrl, 'box-nord-3', second);
    expect(again.connected).toBe(true);
    await again.endAsync();
  });

  it('hands the update repository root over with the credentials: the box stores it as its trust anchor', async () => {
    f.clock.advance(60_000);
    const repo = await makeRepository();
    try {
      await copyFile(repo.anchor, join(f.svc.api.ctx.repository.root, 'metadata', 'root.json'));
      const created = await f.call('technician', 'POST', '/v1/boxes', { id: 'box-nord-4', clubId: 'club-nord' });
      const secret = randomBytes(24).toString('base64url');
      const p = await f.call(null, 'POST', '/v1/enrollments', { code: created.body.enrollment.code, hardware: { model: 'rbx-a1' }, agentVersion: '1.0.0', pollSecretHash: sha256Hex(secret) });
      await f.call('technician', 'POST', `/v1/enrollments/${p.body.enrollmentId}/accept`, {});
      const delivered = await f.call(null, 'POST', `/v1/enrollments/${p.body.enrollmentId}/poll`, { pollSecret: secret });
      expect(delivered.body.status).toBe('delivered');
      expect(delivered.body.trustRoot).toEqual(JSON.parse(await readFile(repo.anchor, 'utf8')));
      const boxRoot = join(repo.base, 'box');
      expect(await installTrustAnchor(boxRoot, delivered.body.trustRoot)).toBe(true);
      expect(JSON.parse(await readFile(trustAnchorPath(boxRoot), 'utf8')).signed._type).toBe('root');
    } finally {
      await rm(repo.base, { recursive: true, force: true });
    }
  });

  it('refuses an expired code and rate-limits presentations per client', async () => {
    const issued = await f.call('technician', 'POST', '/v1/enrollment-codes', { clubId: 'club-nord' });
    f.clock.setWall(f.clock.now() + 25 * 3600_000); // a day later by the wall clock; timers need not run
    const body = { code: issued.body.code, hardware: {}, agentVersion: '1', pollSecretHash: sha256Hex('s'.repeat(20)) };
    expect((await f.call(null, 'POST', '/v1/enrollments', body)).body.error.code).toBe('ENROLLMENT_CODE_INVALID');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await f.call(null, 'POST', '/v1/enrollments', { ...body, code: 'AAAA-BBBB-CCCC-DDDD' })).status);
    expect(statuses).toContain(429);
    const limited = await f.call(null, 'POST', '/v1/enrollments', body);
    expect(limited.body.error.code).toBe('API_RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
    f.clock.advance(60_000);
    expect((await f.call(null, 'POST', '/v1/enrollments', body)).status).toBe(403);
  });
});
