import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { mosquittoHash } from '../../fleet/broker/credentials.ts';
import { renderAclFile, renderMosquittoConf, renderPasswordFile } from '../../fleet/broker/mosquitto-auth.ts';
import { startFleetService, type FleetService } from '../../fleet/cli/fleet-service.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { encode, topicFor } from '../../protocol/mqtt/index.ts';
import { connectBox, sha256Hex } from '../support/fleet-harness.ts';
import { startMosquitto, type MosquittoProcess } from '../support/mosquitto.ts';
import type { SqliteFleetStore } from '../../fleet/store/sqlite-store.ts';

const SERVICE = { username: '_fleet', password: 'fleet-service-secret-for-session-test' };
/** How long the fleet stays down while the boxes keep sending (the issue's figure). */
const DOWN_MS = 30_000;
const BOXES = ['box-s-1', 'box-s-2', 'box-s-3'];

/** A box sending a batch of two passes every 400 ms on one connection, recording the acks it gets. */
function sender(client: MqttClient, boxId: string) {
  let seq = 0;
  const sent: string[] = [];
  const acked = new Set<string>();
  let closes = 0;
  client.on('close', () => closes++);
  client.on('message', (topic, payload) => {
    if (topic === topicFor('passAck', boxId)) acked.add((JSON.parse(payload.toString()) as { batchId: string }).batchId);
  });
  const base = VALID_MESSAGES.passes.passes[0] as (typeof VALID_MESSAGES.passes.passes)[number];
  const send = () => {
    const passes = [++seq, ++seq].map((s) => ({ ...base, seq: s, ts: Date.now(), decidedAt: Date.now() }));
    const batchId = `b-${passes[0]?.seq}-${passes[1]?.seq}`;
    sent.push(batchId);
    client.publish(topicFor('passes', boxId), Buffer.from(encode('passes', { v: 1, batchId, passes })), { qos: 1 });
  };
  const timer = setInterval(send, 400);
  return { sent, acked, closes: () => closes, lastSeq: () => seq, stop: () => clearInterval(timer) };
}

/*
 * External broker mode: the fleet's own session on Mosquitto is persistent, so the pass
 * batches published while the fleet is down wait in the broker and reach the fleet on its
 * return, in order, while the boxes stay connected the whole time.
 */
describe('persistent fleet session on Mosquitto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resabox-session-'));
  let mosquitto: MosquittoProcess;
  let svc: FleetService;
  const clients: MqttClient[] = [];
  const start = () =>
    startFleetService({
      dataDir: dir,
      clock: systemClock,
      logger: silentLogger,
      externalBroker: { url: `mqtt://127.0.0.1:${mosquitto.port}`, ...SERVICE, mosquitto: { passwordFile: mosquitto.passwordFile, aclFile: mosquitto.aclFile, reload: () => mosquitto.reload() } },
    });

  beforeAll(async () => {
    mosquitto = await startMosquitto({
      writeAuth: (passwordFile, aclFile) => {
        writeFileSync(passwordFile, renderPasswordFile([{ username: SERVICE.username, hash: mosquittoHash(SERVICE.password) }]));
        writeFileSync(aclFile, renderAclFile(SERVICE.username));
      },
      conf: ({ passwordFile, aclFile, port }) => `${renderMosquittoConf({ passwordFile, aclFile, maxPacketBytes: 600 * 1024, listeners: [`listener ${port} 127.0.0.1`] })}persistence false\nlog_type error\n`,
    });
    svc = await start();
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await svc?.close();
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores and acknowledges every batch sent while the fleet was down, in seq order per box, without any box reconnecting', async () => {
    const { token } = await svc.api.ctx.tokens.create('test', 'admin', Date.now());
    const call = (method: string, url: string, payload?: object, auth = true) => svc.api.inject({ method: method as 'GET', url, headers: auth ? { authorization: `Bearer ${token}` } : {}, ...(payload ? { payload } : {}) });
    await call('PUT', '/v1/clubs/club-s', { name: 'S', timezone: 'Europe/Paris' });
    const senders: ReturnType<typeof sender>[] = [];
    for (const id of BOXES) {
      const code = (await call('POST', '/v1/boxes', { id, clubId: 'club-s' })).json().enrollment.code;
      const enrollmentId = (await call('POST', '/v1/enrollments', { code, hardware: {}, agentVersion: '1', pollSecretHash: sha256Hex('poll-secret-0123456789') }, false)).json().enrollmentId;
      await call('POST', `/v1/enrollments/${enrollmentId}/accept`, {});
      const password = (await call('POST', `/v1/enrollments/${enrollmentId}/poll`, { pollSecret: 'poll-secret-0123456789' }, false)).json().credentials.password;
      const client = await connectBox(`mqtt://127.0.0.1:${mosquitto.port}`, id, password, 5000);
      clients.push(client);
      await client.subscribeAsync(topicFor('passAck', id), { qos: 1 });
      senders.push(sender(client, id));
    }
    const acked = () => senders.reduce((n, s) => n + s.acked.size, 0);
    while (acked() < 6) await new Promise((r) => setTimeout(r, 50));

    await svc.close();
    const sentWhileUp = senders.map((s) => s.sent.length);
    await new Promise((r) => setTimeout(r, DOWN_MS));
    const sentWhileDown = senders.map((s, i) => s.sent.length - (sentWhileUp[i] as number));
    expect(Math.min(...sentWhileDown)).toBeGreaterThan(DOWN_MS / 1000);
    // Nothing sent while down was acknowledged: nobody was there to store it.
    for (const s of senders) expect(s.sent.slice(-5).some((b) => s.acked.has(b))).toBe(false);
    svc = await start();
    await new Promise((r) => setTimeout(r, 1000));
    for (const s of senders) s.stop();

    for (let i = 0; senders.some((s) => s.acked.size < s.sent.length); i++) {
      if (i > 600) throw new Error(`not all acked: ${senders.map((s) => `${s.acked.size}/${s.sent.length}`).join(' ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const [i, s] of senders.entries()) {
      expect(s.closes(), `${BOXES[i]} reconnected`).toBe(0);
      expect(s.sent.every((b) => s.acked.has(b))).toBe(true);
      // Stored in the order sent: rowid order is seq order, and every seq is there once.
      const seqs = ((svc.fleet.store as SqliteFleetStore).db.prepare('SELECT seq FROM passes WHERE box_id = ? ORDER BY rowid').all(BOXES[i]) as { seq: number }[]).map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: s.lastSeq() }, (_, k) => k + 1));
    }
  }, 120_000);
});
