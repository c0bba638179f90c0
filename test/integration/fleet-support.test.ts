import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, emptyDecisionState, rightsViewOf } from '../../agent/access/index.ts';
import { badge, credential, emptyData, entryLane, gymZone, member, subscription } from '../../agent/access/rights-fixtures.ts';
import { decode, encode, topicFor, type CommandMessage, type DoctorReport, type Pass } from '../../protocol/mqtt/index.ts';
import { connectBox, enrollBox, eventually, startTestFleet, type Json, type TestFleet } from '../support/fleet-harness.ts';

/**
 * Support diagnosis through the API: member view with the box's own explanation in plain
 * words, box doctor (an MQTT client plays the box and answers `diagnose`), the offline
 * refusal, the incident timeline and the escalation bundle. The explanation is made by the
 * real decide().
 */
const DAY = 86_400_000;

describe('support diagnosis API', () => {
  let f: TestFleet;
  let box: MqttClient;
  const dir = mkdtempSync(join(tmpdir(), 'fleet-support-'));
  let endedAt: number;
  const commandsSeen: CommandMessage[] = [];

  const report = (fleetRightsVersion: number | null): DoctorReport => ({
    v: 1,
    startedAt: f.clock.now(),
    durationMs: 3012,
    checks: [
      { kind: 'reader', subject: 'reader-entry', status: 'ok', durationMs: 0.2, code: null, message: 'reader online', facts: { checkedBy: 'status' } },
      { kind: 'printer', subject: 'printer', status: 'fail', durationMs: 3000, code: 'DOCTOR_DEVICE_TIMEOUT', message: 'no answer within 3000 ms', facts: { checkedBy: 'probe' } },
      { kind: 'rights', subject: null, status: 'ok', durationMs: 0.1, code: null, message: 'rights version', facts: { boxVersion: fleetRightsVersion, fleetVersion: fleetRightsVersion } },
    ],
    config: { box: { id: 'box-s-1' }, fleet: { url: 'mqtt://***@fleet:1883', password: 'leaked-by-mistake' } },
  });

  beforeAll(async () => {
    f = await startTestFleet();
    const now = f.clock.now();
    endedAt = now - DAY;
    await f.call('admin', 'PUT', '/v1/clubs/club-s', { name: 'Club S', timezone: 'Europe/Paris' });
    const rights = {
      zones: [gymZone({ periods: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, from: '00:00', to: '24:00' })) })],
      members: [{ ...member('m-ada'), displayName: 'Ada Lovelace', subscriptionEnd: endedAt }, { ...member('m-bob'), displayName: 'Bob Martin' }],
      credentials: [credential('c-ada', 'm-ada', 'badge', '4242')],
      rights: [subscription('r-ada', 'm-ada', ['gym'], { validFrom: now - 300 * DAY, validTo: endedAt })],
    };
    expect((await f.call('admin', 'POST', '/v1/clubs/club-s/rights', { upserts: rights })).status).toBe(200);
    const creds = await enrollBox(f, 'box-s-1', 'club-s');
    await enrollBox(f, 'box-s-2', 'club-s');
    box = await connectBox(f.mqttUrl, 'box-s-1', creds.password);
    await box.subscribeAsync(topicFor('command', 'box-s-1'), { qos: 1 });
    box.on('message', (topic, payload) => {
      if (topic !== topicFor('command', 'box-s-1')) return;
      const decoded = decode('command', payload);
      if (!decoded.ok) return;
      const m = decoded.value;
      commandsSeen.push(m);
      const output = m.kind === 'diagnose' ? report(m.args.fleetRightsVersion) : m.kind === 'fetch-logs' ? { lines: ['{"level":30,"msg":"printer link closed"}', '{"level":40,"msg":"PRINTER_NO_REPLY"}'] } : undefined;
      box.publish(topicFor('commandResult', 'box-s-1'), Buffer.from(encode('commandResult', { v: 1, commandId: m.commandId, status: 'succeeded', ts: f.clock.now(), message: m.kind, ...(output ? { output } : {}), error: null })), { qos: 1 });
    });
    box.publish(topicFor('state', 'box-s-1'), Buffer.from(encode('state', { v: 1, state: 'online', reason: 'connected', agentVersion: '1.0.0', bootId: 'boot-1', ts: now })), { qos: 1, retain: true });
    // The box decides with the club's rights (real decide()) and sends the refusal with its explanation.
    const decision = decide(badge('4242'), entryLane(), now - 60_000, emptyDecisionState(rightsViewOf(1, { ...emptyData(), ...rights })));
    expect(decision.reason).toBe('outside-validity');
    const pass: Pass = { seq: 1, ts: now - 60_000, decidedAt: now - 60_000, laneId: 'entry', direction: 'in', outcome: 'denied', reason: decision.reason, memberId: 'm-ada', credential: { kind: 'badge', hash: 'abcdef0123456789' }, rightsVersion: 1, rightId: null, operator: null, note: null, latencyUs: 700, explanation: decision.explanation ?? null };
    box.publish(topicFor('passes', 'box-s-1'), Buffer.from(encode('passes', { v: 1, batchId: 'b-1-1', passes: [pass] })), { qos: 1 });
    box.publish(topicFor('rightsStatus', 'box-s-1'), Buffer.from(encode('rightsStatus', { v: 1, clubId: 'club-s', version: 0, appliedAt: now, members: 2 })), { qos: 1, retain: true });
    await eventually(async () => ((await f.call('support', 'GET', '/v1/passes?boxId=box-s-1')).body.passes?.length ? true : undefined), 'the pass stored');
    await eventually(async () => ((await f.call('support', 'GET', '/v1/boxes/box-s-1')).body.online ? true : undefined), 'box-s-1 online');
  });

  afterAll(async () => {
    await box?.endAsync(true);
    await f?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds a member by part of the name and shows the refusal in plain words with its date, the rights and each box behind', async () => {
    const found = await f.call('support', 'GET', '/v1/members?q=lovel');
    expect(found.body.members).toEqual([{ clubId: 'club-s', memberId: 'm-ada', name: 'Ada Lovelace' }]);
    const shown = await f.call('support', 'GET', '/v1/members/m-ada');
    expect(shown.status).toBe(200);
    const v: Json = shown.body;
    // The box explains in its zone's time (Europe/Paris in the fixtures), whatever the hour and the machine's zone.
    const ended = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(endedAt);
    expect(v.passes[0]).toMatchObject({ boxId: 'box-s-1', reason: 'outside-validity', rule: 'right', granted: false });
    expect(v.passes[0].summary).toMatch(new RegExp(`^Refused: subscription r-ada ended on ${ended} \\d\\d:\\d\\d$`));
    expect(v.passes[0].explanation.rules.at(-1)).toMatchObject({ rule: 'right', outcome: 'fail', facts: { candidates: [{ id: 'r-ada', status: 'ended' }] } });
    expect(v.clubs[0]).toMatchObject({ clubId: 'club-s', clubName: 'Club S', displayName: 'Ada Lovelace', rights: [{ id: 'r-ada', state: 'ended' }], credentials: [{ id: 'c-ada', kind: 'badge' }] });
    expect(JSON.stringify(v.clubs[0].credentials)).not.toContain('4242');
    const boxes = Object.fromEntries(v.clubs[0].boxes.map((b: Json) => [b.boxId, b]));
    expect(boxes['box-s-1']).toMatchObject({ online: true, rightsVersion: 0, behindBy: v.clubs[0].fleetRightsVersion });
    expect(v.clubs[0].fleetRightsVersion).toBeGreaterThan(0);
    expect((await f.call('viewer', 'GET', '/v1/members/m-ada')).status).toBe(403);
    expect((await f.call('support', 'GET', '/v1/members/m-nobody')).body.error.code).toBe('MEMBER_NOT_FOUND');
  });

  it('runs the doctor: the silent printer is the failed line with its cause and next step; the run is audited', async () => {
    const r = await f.call('support', 'POST', '/v1/boxes/box-s-1/doctor', { ticket: 'SUP-19' });
    expect(r.status).toBe(200);
    expect(commandsSeen.find((c) => c.kind === 'diagnose')?.args).toEqual({ fleetRightsVersion: expect.any(Number) });
    expect(r.body).toMatchObject({ status: 'succeeded', counts: { ok: 2, warn: 0, fail: 1 }, problem: 'printer: no answer within 3000 ms', ticket: 'SUP-19' });
    const printer = r.body.report.lines.find((l: Json) => l.kind === 'printer');
    expect(printer.advice.cause).toMatch(/printer “printer” did not answer/);
    expect(printer.advice.nextStep).toMatch(/powered on/);
    expect(r.body.report.lines.find((l: Json) => l.kind === 'reader').advice).toBeNull();
    expect((await f.call('viewer', 'GET', '/v1/boxes/box-s-1/doctor')).body.commandId).toBe(r.body.commandId);
    const audit = await f.call('admin', 'GET', '/v1/audit?action=box.doctor');
    expect(audit.body.entries[0]).toMatchObject({ target: 'box-s-1', ticket: 'SUP-19', detail: expect.objectContaining({ commandId: r.body.commandId }) });
  });

  it('refuses the doctor on an offline box at once, with a clear coded error', async () => {
    const r = await f.call('support', 'POST', '/v1/boxes/box-s-2/doctor', {});
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'BOX_OFFLINE', message: expect.stringMatching(/box-s-2 is offline \(never seen\)/) });
    expect((await f.call('support', 'POST', '/v1/boxes/box-none/doctor', {})).body.error.code).toBe('BOX_NOT_FOUND');
  });

  it('merges passes, commands and the rest into one timeline for a window, and refuses a reversed window', async () => {
    const now = f.clock.now();
    const t = await f.call('support', 'GET', `/v1/boxes/box-s-1/timeline?from=${now - DAY}&to=${now + 1000}`);
    expect(t.status).toBe(200);
    const kinds = t.body.entries.map((e: Json) => e.kind);
    expect(kinds).toContain('pass');
    expect(kinds).toContain('command');
    expect(t.body.entries.map((e: Json) => e.at)).toEqual([...t.body.entries.map((e: Json) => e.at)].sort((a, b) => a - b));
    expect(t.body.entries.find((e: Json) => e.kind === 'pass').title).toMatch(/lane entry in m-ada: Refused: subscription r-ada ended on/);
    expect((await f.call('support', 'GET', `/v1/boxes/box-s-1/timeline?from=${now}&to=${now - 1}`)).body.error.code).toBe('TIME_RANGE_INVALID');
    expect((await f.call('viewer', 'GET', `/v1/boxes/box-s-1/timeline?from=${now - DAY}&to=${now}`)).status).toBe(403);
  });

  it('writes an escalation bundle with every part, secrets masked, audited with its ticket', async () => {
    const now = f.clock.now();
    const desired = { box: { id: 'box-s-1' }, fleet: { password: 'desired-secret' } };
    expect((await f.call('support', 'PUT', '/v1/boxes/box-s-1/config', { config: desired }, { 'x-ticket': 'SUP-18' })).status).toBe(202);
    const r = await f.svc.api.inject({ method: 'POST', url: '/v1/boxes/box-s-1/bundle', headers: { authorization: `Bearer ${f.tokens.support}` }, payload: { from: now - DAY, to: now, ticket: 'SUP-19' } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/gzip');
    expect(r.headers['content-disposition']).toMatch(/attachment; filename="resabox-box-s-1-SUP-19-\d{8}T\d{6}\.tar\.gz"/);
    const files = await unpack(r.rawPayload);
    expect(Object.keys(files).sort()).toEqual(['README.txt', 'box.json', 'config.json', 'devices.json', 'doctor.json', 'doctor.txt', 'health.csv', 'logs.txt', 'release.json', 'timeline.json', 'timeline.txt']);
    expect(files['README.txt']).toMatch(/ticket: SUP-19/);
    expect(files['logs.txt']).toMatch(/PRINTER_NO_REPLY/);
    expect(files['doctor.txt']).toMatch(/FAIL printer printer/);
    expect(files['timeline.txt']).toMatch(/pass\s+warning\s+lane entry in m-ada: Refused: subscription r-ada ended on/);
    expect(JSON.parse(files['config.json'] ?? '{}').running.fleet).toEqual({ url: 'mqtt://***@fleet:1883', password: '***' });
    expect(JSON.parse(files['config.json'] ?? '{}')).toMatchObject({ desired: { version: 1, ticket: 'SUP-18', config: { fleet: { password: '***' } } }, inSync: false });
    expect(files['config.json']).not.toContain('leaked-by-mistake');
    expect(files['config.json']).not.toContain('desired-secret');
    const audit = await f.call('admin', 'GET', '/v1/audit?action=ticket.bundle');
    expect(audit.body.entries[0]).toMatchObject({ target: 'box-s-1', ticket: 'SUP-19', detail: expect.objectContaining({ bytes: r.rawPayload.length, files: expect.arrayContaining(['logs.txt']) }) });
  });

  it('bundles an offline box with what the fleet last had, and says so', async () => {
    const now = f.clock.now();
    const r = await f.svc.api.inject({ method: 'POST', url: '/v1/boxes/box-s-2/bundle', headers: { authorization: `Bearer ${f.tokens.admin}` }, payload: { from: now - DAY, to: now } });
    expect(r.statusCode).toBe(200);
    const files = await unpack(r.rawPayload);
    expect(files['logs.txt']).toMatch(/offline and no logs were fetched/);
    expect(files['doctor.txt']).toMatch(/offline and was never diagnosed/);
    expect(files['README.txt']).toMatch(/box: offline/);
  });

  async function unpack(bytes: Buffer): Promise<Record<string, string>> {
    const file = join(dir, `b-${Date.now()}.tar.gz`);
    writeFileSync(file, bytes);
    const out = mkdtempSync(join(dir, 'x-'));
    const names: string[] = [];
    await tar.x({ file, cwd: out, onReadEntry: (e) => void names.push(e.path) });
    return Object.fromEntries(names.map((n) => [n, readFileSync(join(out, n), 'utf8')]));
  }
});
