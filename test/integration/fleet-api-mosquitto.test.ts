import { writeFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoHash } from '../../fleet/broker/credentials.ts';
import { renderAclFile, renderMosquittoConf, renderPasswordFile } from '../../fleet/broker/mosquitto-auth.ts';
import { decode, encode, topicFor } from '../../protocol/mqtt/index.ts';
import { startMosquitto, type MosquittoProcess } from '../support/mosquitto.ts';
import { connectBox, enrollBox, eventually, nextMessage, startTestFleet, type TestFleet } from '../support/fleet-harness.ts';

const SERVICE = { username: '_fleet', password: 'fleet-service-secret-for-api-tests' };

/** The API's MQTT side over the second broker the fleet supports: a real Mosquitto it manages. */
describe('fleet API with an external Mosquitto: enrollment, command, rights delta, revocation', () => {
  let mosquitto: MosquittoProcess;
  let f: TestFleet;
  let box: MqttClient;

  beforeAll(async () => {
    mosquitto = await startMosquitto({
      writeAuth: (passwordFile, aclFile) => {
        writeFileSync(passwordFile, renderPasswordFile([{ username: SERVICE.username, hash: mosquittoHash(SERVICE.password) }]));
        writeFileSync(aclFile, renderAclFile(SERVICE.username));
      },
      conf: ({ passwordFile, aclFile, port }) => `${renderMosquittoConf({ passwordFile, aclFile, maxPacketBytes: 600 * 1024, listeners: [`listener ${port} 127.0.0.1`] })}persistence false\nlog_type error\n`,
    });
    f = await startTestFleet({
      externalBroker: { url: `mqtt://127.0.0.1:${mosquitto.port}`, ...SERVICE, mosquitto: { passwordFile: mosquitto.passwordFile, aclFile: mosquitto.aclFile, reload: () => mosquitto.reload() } },
    });
    await f.call('admin', 'PUT', '/v1/clubs/club-q', { name: 'Q', timezone: 'Europe/Paris' });
  });
  afterAll(async () => {
    box?.end(true);
    await f?.close();
    await mosquitto?.stop();
  });

  it('enrolls a box that then connects to Mosquitto, answers a command, gets a delta, and is cut off on revocation', async () => {
    const creds = await enrollBox(f, 'box-q-1', 'club-q');
    box = await connectBox(f.mqttUrl, 'box-q-1', creds.password, 5000);
    await box.subscribeAsync([topicFor('command', 'box-q-1'), topicFor('rights', 'box-q-1')], { qos: 1 });
    box.on('message', (topic, payload) => {
      if (topic !== topicFor('command', 'box-q-1')) return;
      const m = decode('command', payload);
      if (!m.ok) return;
      box.publish(topicFor('commandResult', 'box-q-1'), Buffer.from(encode('commandResult', { v: 1, commandId: m.value.commandId, status: 'succeeded', ts: f.clock.now(), message: 'ok', error: null })), { qos: 1 }, () => undefined);
    });

    const sent = await f.call('support', 'POST', '/v1/boxes/box-q-1/commands', { kind: 'print-test-ticket', args: {} });
    expect(sent.status).toBe(202);
    const done = await eventually(async () => {
      const c = (await f.call('viewer', 'GET', `/v1/commands/${sent.body.id}`)).body;
      return c.status === 'pending' ? undefined : c;
    }, 'the command result through Mosquitto');
    expect(done.status).toBe('succeeded');

    const delta = nextMessage(box, topicFor('rights', 'box-q-1'));
    const up = await f.call('admin', 'POST', '/v1/clubs/club-q/rights', { upserts: { members: [{ id: 'm-1', displayName: 'Ana', subscriptionEnd: null, blockingAlerts: [] }] } });
    expect(up.body).toMatchObject({ version: 1, boxesNotified: 1 });
    expect(await delta).toMatchObject({ kind: 'delta', clubId: 'club-q', version: 1, baseVersion: 0 });

    const closed = new Promise<void>((resolve) => box.once('close', () => resolve()));
    expect((await f.call('technician', 'POST', '/v1/boxes/box-q-1/revoke', {})).status).toBe(200);
    await closed;
    await expect(connectBox(f.mqttUrl, 'box-q-1', creds.password)).rejects.toThrow();
  });
});
