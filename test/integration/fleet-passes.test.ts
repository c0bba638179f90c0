import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, topicFor, type Pass } from '../../protocol/mqtt/index.ts';
import { connectBox, enrollBox, nextMessage, startTestFleet, type Json, type TestFleet } from '../support/fleet-harness.ts';

const MIN = 60_000;

describe('passes stored by ingest: query, export, card-sharing and entry/exit reports', () => {
  let f: TestFleet;
  let boxA: MqttClient;
  let boxB: MqttClient;
  let T = 0;

  const pass = (seq: number, at: number, direction: 'in' | 'out', hash: string, memberId: string): Pass => ({
    seq,
    ts: at,
    decidedAt: at,
    laneId: 'lane-1',
    direction,
    outcome: 'passed',
    reason: 'granted',
    memberId,
    credential: { kind: 'badge', hash },
    rightsVersion: 1,
    rightId: null,
    operator: null,
    note: null,
    latencyUs: 900,
  });

  /** Publishes a batch as the box does and waits for the fleet's ack (sent after commit). */
  const sendBatch = async (client: MqttClient, boxId: string, batchId: string, passes: Pass[]) => {
    const ack = nextMessage(client, topicFor('passAck', boxId), (m) => m.batchId === batchId);
    await client.publishAsync(topicFor('passes', boxId), Buffer.from(encode('passes', { v: 1, batchId, passes })), { qos: 1 });
    return ack;
  };

  beforeAll(async () => {
    f = await startTestFleet();
    // 10:00 UTC yesterday: the seeded hour sits inside one UTC day whatever the time of the run.
    const DAY = 24 * 3600_000;
    T = Math.floor(f.clock.now() / DAY) * DAY - DAY + 10 * 3600_000;
    await f.call('admin', 'PUT', '/v1/clubs/club-1', { name: 'One', timezone: 'UTC' });
    await f.call('admin', 'PUT', '/v1/clubs/club-2', { name: 'Two', timezone: 'UTC' });
    const a = await enrollBox(f, 'box-p-a', 'club-1');
    const b = await enrollBox(f, 'box-p-b', 'club-2');
    boxA = await connectBox(f.mqttUrl, a.boxId, a.password);
    boxB = await connectBox(f.mqttUrl, b.boxId, b.password);
    // Online as the agent announces it: retained state (ingest sets the box's online flag).
    for (const [c, id] of [[boxA, 'box-p-a'], [boxB, 'box-p-b']] as const) {
      await c.publishAsync(topicFor('state', id), Buffer.from(encode('state', { v: 1, state: 'online', reason: 'connected', agentVersion: '1.0.0', bootId: 'boot-1', ts: f.clock.now() })), { qos: 1, retain: true });
    }
    await boxA.subscribeAsync(topicFor('passAck', 'box-p-a'), { qos: 1 });
    await boxB.subscribeAsync(topicFor('passAck', 'box-p-b'), { qos: 1 });
    const ackA = await sendBatch(boxA, 'box-p-a', 'batch-a1', [
      pass(1, T, 'in', 'aaaa1111', 'm-1'),
      pass(2, T + 1 * MIN, 'in', 'bbbb2222', 'm-2'),
      pass(3, T + 2 * MIN, 'in', 'bbbb2222', 'm-2'),
      pass(4, T + 60 * MIN, 'out', 'bbbb2222', 'm-2'),
    ]);
    expect(ackA).toMatchObject({ stored: 4, duplicates: 0 });
    await sendBatch(boxB, 'box-p-b', 'batch-b1', [pass(1, T + 5 * MIN, 'in', 'aaaa1111', 'm-1')]);
  });
  afterAll(async () => {
    await Promise.all([boxA.endAsync(true), boxB.endAsync(true)]);
    await f.close();
  });

  const range = () => `from=${T - MIN}&to=${T + 10 * 3600_000}`;

  it('queries passes by club with keyset pages and by credential', async () => {
    const p1 = await f.call('support', 'GET', '/v1/passes?clubId=club-1&limit=3');
    expect(p1.body.passes.map((p: Json) => p.seq)).toEqual([1, 2, 3]);
    expect(p1.body.passes[0]).toMatchObject({ boxId: 'box-p-a', clubId: 'club-1', credentialHash: 'aaaa1111', granted: true, direction: 'in' });
    const p2 = await f.call('support', 'GET', `/v1/passes?clubId=club-1&limit=3&cursor=${p1.body.nextCursor}`);
    expect(p2.body.passes.map((p: Json) => p.seq)).toEqual([4]);
    expect(p2.body.nextCursor).toBeNull();
    const byCred = await f.call('support', 'GET', '/v1/passes?credentialHash=aaaa1111');
    expect(byCred.body.passes.map((p: Json) => p.boxId)).toEqual(['box-p-a', 'box-p-b']);
    expect((await f.call('support', 'GET', '/v1/passes?cursor=garbage')).body.error.code).toBe('API_VALIDATION_FAILED');
  });

  it('exports CSV and JSON', async () => {
    const csv = await f.call('admin', 'GET', `/v1/passes/export?${range()}&clubId=club-1`);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[1]).toMatch(/,batch-a1$/);
    expect(lines[0]).toBe('at,clubId,boxId,seq,lane,direction,granted,outcome,reason,memberId,credentialKind,credentialHash,rightsVersion,batchId');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toContain(',club-1,box-p-a,1,lane-1,in,true,passed,granted,m-1,badge,aaaa1111,1,');
    const json = await f.call('admin', 'GET', `/v1/passes/export?${range()}&format=json`);
    expect(json.headers['content-type']).toContain('application/json');
    expect(json.body).toHaveLength(5);
  });

  it('reports card sharing across clubs and overlapping entries', async () => {
    const r = await f.call('support', 'GET', `/v1/reports/card-sharing?${range()}`);
    const findings = r.body.findings.map((x: Json) => [x.kind, x.credential, x.first.boxId, x.second.boxId, x.intervalMs]);
    expect(findings).toEqual([
      ['overlapping-entries', 'bbbb2222', 'box-p-a', 'box-p-a', MIN],
      ['impossible-travel', 'aaaa1111', 'box-p-a', 'box-p-b', 5 * MIN],
    ]);
    // Names beside the ids, for people to read (boxes enrolled without a name and members unknown to the rights keep their ids).
    expect(r.body.names).toEqual({ clubs: { 'club-1': 'One', 'club-2': 'Two' }, boxes: {}, members: {} });
    const onlyTwo = await f.call('support', 'GET', `/v1/reports/card-sharing?${range()}&clubId=club-2`);
    expect(onlyTwo.body.findings.map((x: Json) => x.kind)).toEqual(['impossible-travel']);
  });

  it('reports entry/exit mismatches per club and day', async () => {
    const r = await f.call('support', 'GET', `/v1/reports/entry-exit?${range()}&clubId=club-1`);
    expect(r.body.days).toHaveLength(1);
    const day = r.body.days[0];
    expect(day).toMatchObject({ clubId: 'club-1', entries: 3, exits: 1 });
    expect(day.unbalanced).toEqual([
      { credential: 'aaaa1111', memberId: 'm-1', entries: 1, exits: 0 },
      { credential: 'bbbb2222', memberId: 'm-2', entries: 2, exits: 1 },
    ]);
  });

  it('counts passes per hour, every hour of the range, per club', async () => {
    const H = 3600_000;
    const all = await f.call('support', 'GET', `/v1/reports/passes-per-hour?${range()}`);
    expect(all.status).toBe(200);
    expect(all.body.hours).toHaveLength(11);
    expect(all.body.hours.slice(0, 3)).toEqual([
      { at: T - H, granted: 0, refused: 0, manual: 0 },
      { at: T, granted: 4, refused: 0, manual: 0 },
      { at: T + H, granted: 1, refused: 0, manual: 0 },
    ]);
    const two = await f.call('support', 'GET', `/v1/reports/passes-per-hour?${range()}&clubId=club-2`);
    expect(two.body.hours.reduce((n: number, h: Json) => n + h.granted, 0)).toBe(1);
    const tooLong = await f.call('support', 'GET', `/v1/reports/passes-per-hour?from=${T}&to=${T + 32 * 24 * H}`);
    expect(tooLong.body.error.code).toBe('API_VALIDATION_FAILED');
    expect((await f.call('viewer', 'GET', `/v1/reports/passes-per-hour?${range()}`)).status).toBe(403);
  });

  it('counts ingested passes in the metrics', async () => {
    const m = await f.svc.api.inject({ method: 'GET', url: '/metrics' });
    expect(m.body).toMatch(/fleet_passes_ingested_total 5/);
    expect(m.body).toMatch(/fleet_boxes_online 2/);
  });
});
