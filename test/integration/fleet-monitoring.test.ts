import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { encode, topicFor } from '../../protocol/mqtt/index.ts';
import { connectBox, enrollBox, eventually, startTestFleet, type Json, type TestFleet } from '../support/fleet-harness.ts';

/** Boxes publish state, health and events through the broker; the API reads what ingest and alerts stored. */
describe('monitoring routes over what the boxes report', () => {
  let f: TestFleet;
  const clients: MqttClient[] = [];
  const publish = (c: MqttClient, topic: string, bytes: Uint8Array, retain = false) => c.publishAsync(topic, Buffer.from(bytes), { qos: 1, retain });

  beforeAll(async () => {
    f = await startTestFleet();
    await f.call('admin', 'PUT', '/v1/clubs/club-w', { name: 'W', timezone: 'Europe/Paris' });
    await f.call('admin', 'PUT', '/v1/clubs/club-v', { name: 'V', timezone: 'Europe/Paris' });
    const a = await enrollBox(f, 'box-w-1', 'club-w');
    const b = await enrollBox(f, 'box-v-1', 'club-v');
    await f.call('technician', 'PUT', '/v1/boxes/box-w-1/tags', { tags: ['pilot', 'north'] });
    const ca = await connectBox(f.mqttUrl, a.boxId, a.password);
    const cb = await connectBox(f.mqttUrl, b.boxId, b.password);
    clients.push(ca, cb);
    const now = f.clock.now();
    await publish(ca, topicFor('state', 'box-w-1'), encode('state', { ...VALID_MESSAGES.state, agentVersion: '1.4.2', ts: now }), true);
    await publish(cb, topicFor('state', 'box-v-1'), encode('state', { ...VALID_MESSAGES.state, agentVersion: '1.3.0', ts: now }), true);
    await publish(ca, topicFor('health', 'box-w-1'), encode('health', { ...VALID_MESSAGES.health, ts: now, clockOffsetMs: 0 }));
    await publish(ca, topicFor('events', 'box-w-1'), encode('events', { ...VALID_MESSAGES.events, ts: now }));
    await publish(ca, topicFor('configReported', 'box-w-1'), encode('configReported', { ...VALID_MESSAGES.configReported, appliedAt: now }), true);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await f.close();
  });

  it('filters boxes by club, tag, agent version, status and online', async () => {
    const ids = async (q: string) => (await f.call('viewer', 'GET', `/v1/boxes?${q}`)).body.boxes.map((b: Json) => b.id);
    await eventually(async () => ((await ids('online=true')).length === 2 ? true : undefined), 'both boxes online');
    expect(await ids('clubId=club-w')).toEqual(['box-w-1']);
    expect(await ids('tag=north')).toEqual(['box-w-1']);
    expect(await ids('version=1.3.0')).toEqual(['box-v-1']);
    expect(await ids('status=active')).toEqual(['box-v-1', 'box-w-1']);
    expect(await ids('status=revoked')).toEqual([]);
  });

  it('shows a box with its devices and latest health, and its health history', async () => {
    const detail = await eventually(async () => {
      const d = (await f.call('viewer', 'GET', '/v1/boxes/box-w-1')).body;
      return d.devices.length > 0 ? d : undefined;
    }, 'the health report to be stored');
    expect(detail).toMatchObject({ id: 'box-w-1', clubId: 'club-w', status: 'active', online: true, agentVersion: '1.4.2', tags: ['north', 'pilot'] });
    expect(detail.devices.map((d: Json) => [d.deviceId, d.status])).toEqual([
      ['printer', 'degraded'],
      ['reader-entry', 'online'],
    ]);
    expect(detail.latestHealth).toMatchObject({ agentVersion: '1.4.2', journal: { lastSeq: 1200 } });
    const reported = await eventually(async () => (await f.call('viewer', 'GET', '/v1/boxes/box-w-1')).body.reportedConfig ?? undefined, 'the reported config to be stored');
    expect(reported).toEqual({ report: { ...VALID_MESSAGES.configReported, appliedAt: f.clock.now() }, receivedAt: f.clock.now() });
    expect((await f.call('viewer', 'GET', '/v1/boxes/box-v-1')).body.reportedConfig).toBeNull();
    const history = await f.call('viewer', 'GET', '/v1/boxes/box-w-1/health');
    expect(history.body.points.length).toBeGreaterThan(0);
    expect(history.body.points.every((p: Json) => p.resolutionMs === 0)).toBe(true);
    expect((await f.call('viewer', 'GET', '/v1/boxes/box-nope/health')).body.error.code).toBe('BOX_NOT_FOUND');
  });

  it('lists events and the alert they raised, filtered by club and severity', async () => {
    const events = await eventually(async () => {
      const e = (await f.call('viewer', 'GET', '/v1/events?clubId=club-w')).body.events;
      return e.length > 0 ? e : undefined;
    }, 'the event');
    expect(events[0]).toMatchObject({ boxId: 'box-w-1', kind: 'printer.paper-near-end', severity: 'warning', subject: 'printer' });
    expect((await f.call('viewer', 'GET', '/v1/events?clubId=club-v')).body.events).toEqual([]);
    const alerts = await eventually(async () => {
      const a = (await f.call('viewer', 'GET', '/v1/alerts?status=open&clubId=club-w')).body.alerts;
      return a.length > 0 ? a : undefined;
    }, 'the printer alert');
    expect(alerts.find((a: Json) => a.rule === 'printer')).toMatchObject({ boxId: 'box-w-1', subject: 'printer', severity: 'warning', status: 'open' });
    expect((await f.call('viewer', 'GET', '/v1/alerts?severity=critical&clubId=club-w')).body.alerts.filter((a: Json) => a.rule === 'printer')).toEqual([]);
    const metrics = await f.svc.api.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/fleet_alerts_open [1-9]/);
    // This instance's own share of the messages (what tells instances apart in a cluster).
    expect(metrics.body).toMatch(/fleet_ingest_messages_total\{kind="events"\} 1\n/);
    expect(metrics.body).toMatch(/fleet_ingest_messages_total\{kind="health"\} 1\n/);
  });
});
