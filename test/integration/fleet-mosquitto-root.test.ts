import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, statSync, writeFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoHash } from '../../fleet/broker/credentials.ts';
import { renderAclFile, renderMosquittoConf, renderPasswordFile } from '../../fleet/broker/mosquitto-auth.ts';
import { connectBox, enrollBox, startTestFleet, type TestFleet } from '../support/fleet-harness.ts';
import { startMosquitto, type MosquittoProcess } from '../support/mosquitto.ts';

const SERVICE = { username: '_fleet', password: 'fleet-service-secret-root-test' };
const isRoot = process.getuid?.() === 0;
const mosquittoGid = () => Number(execFileSync('id', ['-g', 'mosquitto']).toString().trim());

/*
 * docs/fleet-mqtt.md's set-up with Mosquitto started as root, as the Debian service is: it
 * drops to the `mosquitto` user before reading the password and ACL files, at start and on
 * every reload. The files are group mosquitto, 0640; the fleet's rewrites must keep that.
 * Only root can start a broker that drops privileges: CI and these machines run as root.
 */
describe.runIf(isRoot)('Mosquitto started as root (drops to its own user) with the documented file set-up', () => {
  let mosquitto: MosquittoProcess;
  let f: TestFleet;
  let box: MqttClient | undefined;

  beforeAll(async () => {
    mosquitto = await startMosquitto({
      asSystemService: true,
      writeAuth: (passwordFile, aclFile) => {
        writeFileSync(passwordFile, renderPasswordFile([{ username: SERVICE.username, hash: mosquittoHash(SERVICE.password) }]));
        writeFileSync(aclFile, renderAclFile(SERVICE.username));
        for (const file of [passwordFile, aclFile]) {
          chownSync(file, -1, mosquittoGid());
          chmodSync(file, 0o640);
        }
      },
      conf: ({ passwordFile, aclFile, port }) => `${renderMosquittoConf({ passwordFile, aclFile, maxPacketBytes: 600 * 1024, listeners: [`listener ${port} 127.0.0.1`] })}persistence false\nlog_type error\n`,
    });
    f = await startTestFleet({ externalBroker: { url: `mqtt://127.0.0.1:${mosquitto.port}`, ...SERVICE, mosquitto: { passwordFile: mosquitto.passwordFile, aclFile: mosquitto.aclFile, reload: () => mosquitto.reload() } } });
    await f.call('admin', 'PUT', '/v1/clubs/club-r', { name: 'R', timezone: 'Europe/Paris' });
  });
  afterAll(async () => {
    box?.end(true);
    await f?.close();
    await mosquitto?.stop();
  });

  it('a box enrolled after the fleet rewrote the files connects: Mosquitto can still read them', async () => {
    const creds = await enrollBox(f, 'box-r-1', 'club-r');
    for (const file of [mosquitto.passwordFile, mosquitto.aclFile]) {
      const st = statSync(file);
      expect(st.gid, file).toBe(mosquittoGid());
      expect(st.mode & 0o777, file).toBe(0o640);
    }
    box = await connectBox(f.mqttUrl, 'box-r-1', creds.password, 5000);
    expect(box.connected).toBe(true);
  });
});
