import { createHash, randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { encode, topicFor } from '../../protocol/mqtt/index.ts';
import type { DemoProcess } from './demo-process.ts';
import { connectBox } from './fleet-harness.ts';

async function call(baseUrl: string, token: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> & { [k: string]: never } }> {
  const res = await fetch(`${baseUrl}${path}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as never };
}

/** The whole enrollment over a running fleet's HTTP API (code, present, accept, poll); returns the box's MQTT password. */
export async function enrollOverApi(baseUrl: string, adminToken: string, boxId: string, clubId: string): Promise<string> {
  const created = await call(baseUrl, adminToken, 'POST', '/v1/boxes', { id: boxId, clubId });
  if (created.status !== 201) throw new Error(`box create: ${JSON.stringify(created.body)}`);
  const secret = randomBytes(24).toString('base64url');
  const code = (created.body.enrollment as unknown as { code: string }).code;
  const presented = await call(baseUrl, null, 'POST', '/v1/enrollments', { code, hardware: { model: 'test' }, agentVersion: '1.4.2', pollSecretHash: createHash('sha256').update(secret).digest('hex') });
  const enrollmentId = presented.body.enrollmentId as unknown as string;
  await call(baseUrl, adminToken, 'POST', `/v1/enrollments/${enrollmentId}/accept`, {});
  const polled = await call(baseUrl, null, 'POST', `/v1/enrollments/${enrollmentId}/poll`, { pollSecret: secret });
  return (polled.body.credentials as unknown as { password: string }).password;
}

/**
 * One more box for the running demo, enrolled through the API and played by an mqtt.js
 * client: it reports online with the contract's health fixture (two devices), so that a
 * test can then take it offline as a box that vanished.
 */
export async function enrollDemoBox(demo: DemoProcess, boxId: string, clubId: string): Promise<{ client: MqttClient; vanish(): Promise<void> }> {
  const password = await enrollOverApi(demo.baseUrl, demo.adminToken, boxId, clubId);
  const mqttUrl = /MQTT broker:\s+(\S+)/.exec(demo.output())?.[1];
  if (!mqttUrl) throw new Error('the demo printed no MQTT address');
  const client = await connectBox(mqttUrl, boxId, password);
  const now = Date.now();
  await client.publishAsync(topicFor('state', boxId), Buffer.from(encode('state', { ...VALID_MESSAGES.state, ts: now, state: 'online' })), { qos: 1, retain: true });
  await client.publishAsync(topicFor('health', boxId), Buffer.from(encode('health', { ...VALID_MESSAGES.health, ts: now, devices: VALID_MESSAGES.health.devices.map((d) => ({ ...d, since: now - 60_000 })) })), { qos: 1 });
  return {
    client,
    async vanish() {
      await client.publishAsync(topicFor('state', boxId), Buffer.from(encode('state', { ...VALID_MESSAGES.state, ts: Date.now(), state: 'offline', reason: 'shutdown' })), { qos: 1, retain: true });
      await client.endAsync();
    },
  };
}
