import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { encode, topicFor, type OccupancyRelayMessage, type UpdateJobMessage, type UpdateStatusMessage } from '../../protocol/mqtt/index.ts';
import { capturingLogger } from '../../test/support/log-capture.ts';
import { RightsStore } from '../access/store.ts';
import { PassJournal } from '../journal/pass-journal.ts';
import { Uplink } from './uplink.ts';

/** A stand-in for an mqtt.js client: records publishes; the test emits connect, close and messages. */
class FakeClient extends EventEmitter {
  readonly published: { topic: string; payload: string }[] = [];
  publish(topic: string, payload: Buffer, _o: unknown, cb?: (e?: Error) => void): this {
    this.published.push({ topic, payload: payload.toString('utf8') });
    cb?.();
    return this;
  }
  subscribe(): this {
    return this;
  }
  end(): this {
    return this;
  }
  endAsync(): Promise<void> {
    return Promise.resolve();
  }
  publishAsync(): Promise<void> {
    return Promise.resolve();
  }
}

const job: UpdateJobMessage = { v: 1, jobId: 'ro-1.box-1.a1', rolloutId: 'ro-1', action: 'install', version: '1.1.0', channel: 'stable', hardware: 'rbx-a1', repositoryUrl: 'http://fleet/repository', targetName: 't.tar.gz', downloadOnly: false, installWindow: null, issuedAt: 0, expiresAt: 1 };
const status = (state: UpdateStatusMessage['state']): UpdateStatusMessage => ({ v: 1, jobId: job.jobId, rolloutId: 'ro-1', state, fromVersion: '1.0.0', toVersion: '1.1.0', progress: null, error: null, ts: 0 });

let dir: string;
let journal: PassJournal;
let rights: RightsStore;
let clients: FakeClient[];
let jobs: UpdateJobMessage[];
let relays: OccupancyRelayMessage[];
let log: ReturnType<typeof capturingLogger>;
let uplink: Uplink;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'uplink-updates-'));
  const clock = new ManualClock();
  journal = new PassJournal({ path: join(dir, 'journal.db'), clock, logger: silentLogger });
  rights = RightsStore.open(join(dir, 'rights.db'), { clock });
  clients = [];
  jobs = [];
  relays = [];
  log = capturingLogger();
  uplink = new Uplink({
    boxId: 'box-1',
    url: 'mqtt://fleet.test',
    password: 'x',
    agentVersion: '1.0.0',
    dataDir: dir,
    clock,
    logger: log.logger,
    journal,
    rights,
    devices: new Map(),
    lanes: () => [],
    commands: { openLane: () => Promise.reject(new Error('none')), setLockdown: () => undefined, restartDevice: () => Promise.reject(new Error('none')), restartAgent: () => undefined, diagnostics: () => ({}) },
    connect: () => {
      const c = new FakeClient();
      clients.push(c);
      return c as unknown as MqttClient;
    },
    onUpdateJob: (j) => jobs.push(j),
    onOccupancyRelay: (m) => {
      if (m.originBoxId === 'box-boom') throw new Error('disk full');
      relays.push(m);
    },
  });
});

afterEach(async () => {
  await uplink.stop();
  journal.close();
  rights.close();
  rmSync(dir, { recursive: true, force: true });
});

const updateStatuses = (c: FakeClient) => c.published.filter((p) => p.topic === topicFor('updateStatus', 'box-1')).map((p) => (JSON.parse(p.payload) as UpdateStatusMessage).state);

describe('uplink: updates', () => {
  it('keeps update statuses and events made while offline, and sends them in order on the next connect', () => {
    uplink.start();
    const client = clients[0] as FakeClient;
    uplink.publishUpdateStatus(status('trial'));
    uplink.publishUpdateStatus(status('rolled-back'));
    uplink.publishEvent({ v: 1, eventId: 'e-1', ts: 0, kind: 'update.rolled-back', severity: 'warning', message: 'rolled back', data: {} });
    expect(client.published).toEqual([]);
    client.emit('connect', { sessionPresent: true });
    expect(updateStatuses(client)).toEqual(['trial', 'rolled-back']);
    expect(client.published.some((p) => p.topic === topicFor('events', 'box-1') && p.payload.includes('update.rolled-back'))).toBe(true);
    uplink.publishUpdateStatus(status('committed'));
    expect(updateStatuses(client)).toEqual(['trial', 'rolled-back', 'committed']);
  });

  it('routes update/job to the update machine; an empty retained payload and an invalid job are not offered', () => {
    uplink.start();
    const client = clients[0] as FakeClient;
    client.emit('connect', { sessionPresent: false });
    const topic = topicFor('updateJob', 'box-1');
    client.emit('message', topic, Buffer.from(encode('updateJob', job)));
    client.emit('message', topic, Buffer.alloc(0));
    client.emit('message', topic, Buffer.from(JSON.stringify({ ...job, action: 'reinstall' })));
    client.emit('message', topic, Buffer.from(encode('updateJob', { ...job, action: 'abort' })));
    expect(jobs.map((j) => j.action)).toEqual(['install', 'abort']);
  });
});

describe('uplink: occupancy relay', () => {
  it('hands the club siblings’ passages to the lanes; a malformed one, the box’s own, or one the lanes fail on is logged with its code and dropped', () => {
    uplink.start();
    const client = clients[0] as FakeClient;
    client.emit('connect', { sessionPresent: false });
    const topic = topicFor('occupancyRelay', 'box-1');
    const good = VALID_MESSAGES.occupancyRelay;
    client.emit('message', topic, Buffer.from('{"v":1,'));
    client.emit('message', topic, Buffer.from(JSON.stringify({ ...good, passages: [{ ...good.passages[0], direction: 'sideways' }] })));
    client.emit('message', topic, Buffer.from(encode('occupancyRelay', { ...good, originBoxId: 'box-1' })));
    client.emit('message', topic, Buffer.from(encode('occupancyRelay', { ...good, originBoxId: 'box-boom' })));
    client.emit('message', topic, Buffer.from(encode('occupancyRelay', good)));
    expect(relays).toEqual([good]);
    const warned = log.lines.filter((l) => String(l.msg).startsWith('UPLINK_MESSAGE_INVALID')).map((l) => (l.error as { code?: string } | undefined)?.code ?? l.code);
    expect(warned).toEqual(['MQTT_PAYLOAD_NOT_JSON', 'MQTT_PAYLOAD_INVALID', 'UPLINK_MESSAGE_INVALID']);
    expect(log.lines.some((l) => l.msg === 'relayed passages could not be stored' && l.origin === 'box-boom')).toBe(true);
  });
});
