import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { mosquittoHash } from '../../fleet/broker/credentials.ts';
import { renderAclFile, renderMosquittoConf, renderPasswordFile } from '../../fleet/broker/mosquitto-auth.ts';
import { startFleetService, type FleetService } from '../../fleet/cli/fleet-service.ts';
import { pgStepLock } from '../../fleet/cluster/leadership.ts';
import { isPgStore } from '../../fleet/service.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { encode, topicFor, type Pass } from '../../protocol/mqtt/index.ts';
import { connectBox, eventually, sha256Hex, type Json } from '../support/fleet-harness.ts';
import { freePort, startMosquitto, type MosquittoProcess } from '../support/mosquitto.ts';
import { startPostgres, type PostgresServer } from '../support/postgres.ts';

const SERVICE = { username: '_fleet', password: 'fleet-instances-test-secret' };
const pass = VALID_MESSAGES.passes.passes[0] as Pass;

/*
 * Two fleet instances (in this process) on one real PostgreSQL and one real Mosquitto,
 * as `resabox-fleet serve --instance` runs them: shared subscriptions, one singleton holder
 * under the advisory lock, live changes and command results across instances, probes.
 * test/fault/ kills instances as processes (npm run test:fault).
 */
describe('several fleet instances on PostgreSQL and Mosquitto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resabox-instances-'));
  let postgres: PostgresServer;
  let mosquitto: MosquittoProcess;
  let servicePort = 0;
  let url = '';
  const svcs: FleetService[] = [];
  let token = '';
  let box: MqttClient;

  const start = (instance: string) =>
    startFleetService({
      dataDir: join(dir, 'data'),
      store: url,
      clock: systemClock,
      logger: silentLogger,
      instance,
      leadershipCheckMs: 200,
      http: { port: 0, host: '127.0.0.1' },
      externalBroker: { url: `mqtt://127.0.0.1:${servicePort}`, ...SERVICE, mosquitto: { passwordFile: mosquitto.passwordFile, aclFile: mosquitto.aclFile, reload: () => mosquitto.reload() } },
    });
  const call = async (svc: FleetService, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${svc.httpUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    postgres = await startPostgres({ fast: true });
    url = await postgres.createDatabase('fleet');
    servicePort = await freePort();
    mosquitto = await startMosquitto({
      conf: ({ passwordFile, aclFile, port }) => `${renderMosquittoConf({ passwordFile, aclFile, maxPacketBytes: 600 * 1024, listeners: [`listener ${port} 127.0.0.1`], serviceListeners: [`listener ${servicePort} 127.0.0.1`] })}persistence false\nlog_type error\n`,
      writeAuth: (p, a) => {
        writeFileSync(p, renderPasswordFile([{ username: SERVICE.username, hash: mosquittoHash(SERVICE.password) }]));
        writeFileSync(a, renderAclFile(SERVICE.username));
      },
    });
    svcs.push(await start('a'), await start('b'));
    const [a] = svcs as [FleetService, FleetService];
    token = (await a.fleet.store.tokens.create('ops', 'admin', Date.now())).token;
    await call(a, 'PUT', '/v1/clubs/club-i', { name: 'Instances', timezone: 'Europe/Paris' });
    box = await enroll('box-i1');
  }, 180_000);

  /** A box of club-i, enrolled through the API and connected to Mosquitto as itself. */
  async function enroll(id: string): Promise<MqttClient> {
    const a = svcs[0] as FleetService;
    const created = await call(a, 'POST', '/v1/boxes', { id, clubId: 'club-i' });
    const secret = `poll-secret-of-${id}-in-the-instances-test`;
    const presented = await call(a, 'POST', '/v1/enrollments', { code: created.body.enrollment.code, hardware: { model: 'test' }, agentVersion: '1.0.0', pollSecretHash: sha256Hex(secret) });
    await call(a, 'POST', `/v1/enrollments/${presented.body.enrollmentId}/accept`, {});
    const polled = await call(a, 'POST', `/v1/enrollments/${presented.body.enrollmentId}/poll`, { pollSecret: secret });
    return connectBox(`mqtt://127.0.0.1:${mosquitto.port}`, id, polled.body.credentials.password as string, 10_000);
  }

  afterAll(async () => {
    await box?.endAsync();
    for (const s of svcs) await s.close();
    await mosquitto?.stop();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('each instance answers /healthz and /readyz; exactly one holds the singleton work', async () => {
    for (const s of svcs) {
      expect(await call(s, 'GET', '/healthz')).toEqual({ status: 200, body: { status: 'up' } });
      expect(await call(s, 'GET', '/readyz')).toEqual({ status: 200, body: { ready: true, checks: { store: 'ok', broker: 'ok' } } });
    }
    expect(svcs.filter((s) => s.fleet.leadership.leader)).toHaveLength(1);
  });

  it('shares the pass batches between the instances: each stored once, acknowledged once', async () => {
    const acks: string[] = [];
    box.on('message', (topic, payload) => topic === topicFor('passAck', 'box-i1') && acks.push((JSON.parse(payload.toString()) as { batchId: string }).batchId));
    await box.subscribeAsync(topicFor('passAck', 'box-i1'), { qos: 1 });
    for (let b = 0; b < 10; b++) {
      const passes = [1, 2].map((i) => ({ ...pass, seq: b * 2 + i }));
      await box.publishAsync(topicFor('passes', 'box-i1'), Buffer.from(encode('passes', { v: 1, batchId: `b-${b}`, passes })), { qos: 1 });
    }
    await eventually(() => acks.length >= 10 || undefined, '10 acks');
    expect([...acks].sort()).toEqual(Array.from({ length: 10 }, (_, b) => `b-${b}`).sort());
    const stored = svcs.map((s) => s.fleet.ingest.stats.passesStored);
    expect(stored.reduce((x, y) => x + y, 0)).toBe(20);
    // Mosquitto hands each message of the shared subscription to one member, in turn.
    expect(stored.every((n) => n > 0)).toBe(true);
  });

  it('relays each committed passage once to the club’s other box, whichever instance committed its batch (Mosquitto ACL included)', async () => {
    const sibling = await enroll('box-i2');
    try {
      const relayed: number[] = [];
      sibling.on('message', (topic, payload) => topic === topicFor('occupancyRelay', 'box-i2') && relayed.push(...(JSON.parse(payload.toString()) as { passages: { seq: number }[] }).passages.map((p) => p.seq)));
      await sibling.subscribeAsync(topicFor('occupancyRelay', 'box-i2'), { qos: 1 });
      const before = svcs.map((s) => s.fleet.ingest.stats.passesStored);
      for (let b = 0; b < 6; b++) {
        const passes = [1, 2].map((i) => ({ ...pass, seq: 1000 + b * 2 + i, ...(i === 1 ? { passage: { zoneId: 'club' } } : {}) }));
        await box.publishAsync(topicFor('passes', 'box-i1'), Buffer.from(encode('passes', { v: 1, batchId: `r-${b}`, passes })), { qos: 1 });
      }
      await eventually(() => relayed.length >= 6 || undefined, '6 relayed passages');
      await Promise.all(svcs.map((s) => s.fleet.ingest.settled()));
      expect([...relayed].sort((x, y) => x - y)).toEqual([1001, 1003, 1005, 1007, 1009, 1011]);
      // Both instances committed some of the batches, and each relayed what it committed.
      expect(svcs.map((s, i) => s.fleet.ingest.stats.passesStored - (before[i] as number)).every((n) => n > 0)).toBe(true);
    } finally {
      await sibling.endAsync();
    }
  });

  it('a command sent through one instance is a live change on the other, and its result reaches both APIs whichever instance took it', async () => {
    const [a, b] = svcs as [FleetService, FleetService];
    const res = await fetch(`${b.httpUrl}/v1/stream`, { headers: { authorization: `Bearer ${token}` } });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    const sawCommands = (async () => {
      while (!/event: change\ndata: .*"commands"/.test(seen)) seen += new TextDecoder().decode((await reader.read()).value);
    })();
    await eventually(() => /event: hello/.test(seen) || undefined, 'stream open');
    const results = new Map<string, string>();
    box.on('message', (topic, payload) => {
      if (topic !== topicFor('command', 'box-i1')) return;
      const id = (JSON.parse(payload.toString()) as { commandId: string }).commandId;
      void box.publishAsync(topicFor('commandResult', 'box-i1'), Buffer.from(encode('commandResult', { ...VALID_MESSAGES.commandResult, commandId: id, ts: Date.now() })), { qos: 1 });
    });
    await box.subscribeAsync(topicFor('command', 'box-i1'), { qos: 1 });
    for (let i = 0; i < 4; i++) {
      const sent = await call(a, 'POST', '/v1/boxes/box-i1/commands', { kind: 'open-lane', args: { laneId: 'entry-1', direction: 'in', reason: 'test' } });
      expect(sent.status).toBe(202);
      results.set(sent.body.id as string, 'sent');
    }
    await sawCommands;
    await reader.cancel();
    for (const s of svcs) {
      for (const id of results.keys()) await eventually(async () => ((await call(s, 'GET', `/v1/commands/${id}`)).body.status === 'succeeded') || undefined, `command ${id} succeeded`);
    }
  });

  it('rollout steps take turns across instances (advisory lock)', async () => {
    const pools = svcs.map((s) => (isPgStore(s.fleet.store) ? s.fleet.store.pool : undefined));
    const trace: string[] = [];
    const step = (who: string) => async () => {
      trace.push(`${who}+`);
      await new Promise((r) => setTimeout(r, 100));
      trace.push(`${who}-`);
    };
    const [la, lb] = pools.map((p) => pgStepLock(p as pg.Pool));
    await Promise.all([la?.run(step('a')), lb?.run(step('b'))]);
    expect([trace.slice(0, 2), trace.slice(2)].map((t) => t.map((x) => x.slice(-1)))).toEqual([['+', '-'], ['+', '-']]);
    expect(trace[0]?.[0]).toBe(trace[1]?.[0]);
  });

  it('the singleton work moves to the other instance when its holder loses its lock connection, then when it stops', async () => {
    const holder = svcs.find((s) => s.fleet.leadership.leader) as FleetService;
    const other = svcs.find((s) => s !== holder) as FleetService;
    const changes: boolean[] = [];
    holder.fleet.leadership.onChange((l) => changes.push(l));
    // The holder's session ends as if its connection broke.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 1 AND granted");
    await admin.end();
    await eventually(() => changes.includes(false) || undefined, 'the holder stepped down');
    await eventually(() => svcs.filter((s) => s.fleet.leadership.leader).length === 1 || undefined, 'one holder again');
    const now = svcs.find((s) => s.fleet.leadership.leader) as FleetService;
    await now.close();
    svcs.splice(svcs.indexOf(now), 1);
    const left = svcs[0] as FleetService;
    await eventually(() => left.fleet.leadership.leader || undefined, 'the other instance took over');
    expect([holder, other]).toContain(left);
  });

  it('/readyz says 503 while the broker is gone', async () => {
    await mosquitto.stop();
    const left = svcs[0] as FleetService;
    await eventually(async () => ((await call(left, 'GET', '/readyz')).status === 503) || undefined, 'not ready');
    expect((await call(left, 'GET', '/readyz')).body).toEqual({ ready: false, checks: { store: 'ok', broker: 'disconnected' } });
    expect((await call(left, 'GET', '/healthz')).status).toBe(200);
  });
});
