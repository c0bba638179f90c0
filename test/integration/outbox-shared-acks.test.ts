import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { PassJournal } from '../../agent/journal/pass-journal.ts';
import { PassOutbox } from '../../agent/uplink/outbox.ts';
import { mosquittoHash } from '../../fleet/broker/credentials.ts';
import { renderAclFile, renderMosquittoConf, renderPasswordFile } from '../../fleet/broker/mosquitto-auth.ts';
import { sharedFilter } from '../../fleet/bus/fleet-session.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { decode, encode, fleetSubscription, topicFor, type Pass } from '../../protocol/mqtt/index.ts';
import { eventually } from '../support/fleet-harness.ts';
import { freePort, startMosquitto, type MosquittoProcess } from '../support/mosquitto.ts';

const SERVICE = { username: '_fleet', password: 'outbox-shared-acks-service' };
const BOX = { id: 'box-o1', password: 'outbox-shared-acks-box' };
const { seq: _seq, ...passRecord } = VALID_MESSAGES.passes.passes[0] as Pass;

/*
 * The box side of several fleet instances: the agent's real journal (a SQLite file) and
 * outbox, over a real Mosquitto, to two members of the fleet's shared subscription. The
 * member that takes the first batch commits it last (its ack is held until the other
 * member acknowledged a later batch), so the box gets the acks out of order. The journal
 * cursor must still reach the end, with no batch sent twice.
 */
describe('box outbox with acks from two fleet instances, out of order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resabox-shared-acks-'));
  let mosquitto: MosquittoProcess;
  let servicePort = 0;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    servicePort = await freePort();
    mosquitto = await startMosquitto({
      conf: ({ passwordFile, aclFile, port }) => `${renderMosquittoConf({ passwordFile, aclFile, maxPacketBytes: 600 * 1024, listeners: [`listener ${port} 127.0.0.1`], serviceListeners: [`listener ${servicePort} 127.0.0.1`] })}persistence false\nlog_type error\n`,
      writeAuth: (p, a) => {
        writeFileSync(p, renderPasswordFile([{ username: SERVICE.username, hash: mosquittoHash(SERVICE.password) }, { username: BOX.id, hash: mosquittoHash(BOX.password) }]));
        writeFileSync(a, renderAclFile(SERVICE.username));
      },
    });
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) await c.endAsync(true);
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves the journal cursor to the end, sending each batch once', async () => {
    const received: { member: number; batchId: string; firstSeq: number }[] = [];
    const stored = new Map<number, number>();
    let heldFirstAck: (() => void) | undefined;
    let laterAcked = false;
    for (const member of [1, 2]) {
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${servicePort}`, { protocolVersion: 4, clientId: `${SERVICE.username}-${member}`, username: SERVICE.username, password: SERVICE.password, clean: true, reconnectPeriod: 0 });
      clients.push(c);
      c.on('message', (_topic, payload) => {
        const d = decode('passes', payload);
        if (!d.ok) return;
        const batch = d.value;
        const firstSeq = (batch.passes[0] as Pass).seq;
        const lastSeq = (batch.passes.at(-1) as Pass).seq;
        received.push({ member, batchId: batch.batchId, firstSeq });
        for (const p of batch.passes) stored.set(p.seq, (stored.get(p.seq) ?? 0) + 1);
        const ack = () => void c.publish(topicFor('passAck', BOX.id), Buffer.from(encode('passAck', { v: 1, batchId: batch.batchId, firstSeq, lastSeq, stored: batch.passes.length, duplicates: 0, ts: Date.now() })), { qos: 1 });
        if (firstSeq === 1) return void (heldFirstAck = ack);
        ack();
        if (!laterAcked && heldFirstAck) {
          laterAcked = true;
          // The later batch's ack leaves first; the first batch commits only now.
          setTimeout(() => heldFirstAck?.(), 200);
        }
      });
      await c.subscribeAsync(sharedFilter(fleetSubscription('passes')), { qos: 1 });
    }

    const journal = new PassJournal({ path: join(dir, 'journal.db'), clock: systemClock, logger: silentLogger });
    for (let i = 0; i < 100; i++) await journal.append({ ...passRecord, ts: Date.now() });
    const box = await mqtt.connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { protocolVersion: 4, clientId: BOX.id, username: BOX.id, password: BOX.password, clean: true, reconnectPeriod: 0 });
    clients.push(box);
    const acks: number[] = [];
    const outbox = new PassOutbox({
      journal,
      clock: systemClock,
      logger: silentLogger,
      batchSize: 10,
      maxInFlight: 4,
      // Far longer than the test: a batch sent twice could only come from a lost ack.
      ackTimeoutMs: 600_000,
      ackFlushMs: 0,
      publish: (payload) => (box.publish(topicFor('passes', BOX.id), Buffer.from(payload), { qos: 1 }), true),
    });
    box.on('message', (_topic, payload) => {
      const d = decode('passAck', payload);
      if (!d.ok) return;
      acks.push(d.value.firstSeq);
      outbox.onAck(d.value);
    });
    await box.subscribeAsync(topicFor('passAck', BOX.id), { qos: 1 });
    outbox.connected();

    await eventually(() => journal.stats().ackedSeq === 100 || undefined, 'the journal cursor at the end', 3000);
    outbox.stop();
    expect(acks.findIndex((first) => first === 1)).toBeGreaterThan(0);
    expect(new Set(received.map((r) => r.member))).toEqual(new Set([1, 2]));
    expect(received).toHaveLength(10);
    expect([...stored.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
    journal.close();
    const reopened = new PassJournal({ path: join(dir, 'journal.db'), clock: systemClock, logger: silentLogger });
    expect(reopened.stats()).toMatchObject({ lastSeq: 100, ackedSeq: 100 });
    reopened.close();
  }, 60_000);
});
