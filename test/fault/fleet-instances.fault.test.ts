import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoHash } from '../../fleet/broker/credentials.ts';
import { renderAclFile, renderMosquittoConf, renderPasswordFile } from '../../fleet/broker/mosquitto-auth.ts';
import { runCli } from '../../fleet/cli/main.ts';
import { STORE_ENV } from '../../fleet/store/open-store.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { encode, topicFor } from '../../protocol/mqtt/index.ts';
import { connectBox, sha256Hex, type Json } from '../support/fleet-harness.ts';
import { freePort, startMosquitto, type MosquittoProcess } from '../support/mosquitto.ts';
import { startPostgres, type PostgresServer } from '../support/postgres.ts';
import { startUpdateBox, type SimulatedUpdateBox } from '../support/update-box-sim.ts';
import { startInstance, startStreamingBox, watchStream, type Instance } from './support/cluster.ts';

const SERVICE = { username: '_fleet', password: 'fault-test-service-secret' };
const STREAMING = ['box-p1', 'box-p2', 'box-p3', 'box-p4'];
const bundle = randomBytes(64 * 1024);
const sha256 = createHash('sha256').update(bundle).digest('hex');
/** Ingest keeps running this long between the kills (passes keep flowing through the survivors). */
const BETWEEN_KILLS_MS = 4000;

const log = (line: string) => void process.stdout.write(`[fault] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * A load balancer in front of the instances, as production has: each request goes to the
 * first instance still answering. Boxes download update bundles through it.
 */
function startBalancer(targets: () => string[]): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const tryNext = (list: string[]) => {
      const target = list[0];
      if (!target) return void res.writeHead(502).end();
      const up = request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => tryNext(list.slice(1)));
      req.pipe(up);
    };
    tryNext(targets());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server })));
}

/*
 * Done-when of issue 18: PostgreSQL, Mosquitto and 3 fleet instances (`resabox-fleet serve
 * --instance`, child processes); boxes stream passes; the instance running the singleton
 * work is SIGKILLed mid-ingest, then the one that took over. Every pass is stored exactly
 * once, a running rollout completes on the survivor, an alert opened before the kills is
 * still open and a new one opens, and a dashboard stream on the survivor keeps receiving.
 * Outside `npm test` (npm run test:fault): it takes minutes and kills processes.
 */
describe('three fleet instances, two of them SIGKILLed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resabox-fault-'));
  let postgres: PostgresServer;
  let mosquitto: MosquittoProcess;
  let storeUrl = '';
  let token = '';
  let balancer: { url: string; server: Server };
  const instances: Instance[] = [];
  const urls = new Map<Instance, string>();
  const dead = new Set<Instance>();
  let db: pg.Client;

  const api = async (base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const binary = Buffer.isBuffer(body);
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': binary ? 'application/octet-stream' : 'application/json' }) },
      ...(body === undefined ? {} : { body: binary ? (body as Buffer) : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const alive = () => instances.filter((i) => !dead.has(i));
  const anyUrl = () => urls.get(alive()[0] as Instance) as string;

  async function enroll(boxId: string): Promise<string> {
    const base = anyUrl();
    const created = await api(base, 'POST', '/v1/boxes', { id: boxId, clubId: 'club-f' });
    if (created.status !== 201) throw new Error(`box create: ${JSON.stringify(created.body)}`);
    const secret = randomBytes(24).toString('base64url');
    const presented = await api(base, 'POST', '/v1/enrollments', { code: created.body.enrollment.code, hardware: { model: 'test' }, agentVersion: '1.0.0', pollSecretHash: sha256Hex(secret) });
    await api(base, 'POST', `/v1/enrollments/${presented.body.enrollmentId}/accept`, {});
    const polled = await api(base, 'POST', `/v1/enrollments/${presented.body.enrollmentId}/poll`, { pollSecret: secret });
    if (polled.body.status !== 'delivered') throw new Error(`poll: ${JSON.stringify(polled.body)}`);
    return polled.body.credentials.password as string;
  }

  async function goOffline(boxId: string, password: string): Promise<void> {
    const c = await connectBox(`mqtt://127.0.0.1:${mosquitto.port}`, boxId, password, 10_000);
    await c.publishAsync(topicFor('state', boxId), Buffer.from(encode('state', { ...VALID_MESSAGES.state, ts: Date.now() })), { qos: 1, retain: true });
    // Two messages of one box may reach two instances: the second waits until the first is stored.
    await until(`${boxId} online`, async () => Number((await db.query<{ online: string }>('SELECT online FROM boxes WHERE id = $1', [boxId])).rows[0]?.online) === 1);
    await c.publishAsync(topicFor('state', boxId), Buffer.from(encode('state', { ...VALID_MESSAGES.state, state: 'offline', reason: 'shutdown', ts: Date.now() })), { qos: 1, retain: true });
    await c.endAsync();
  }

  const openAlert = async (boxId: string) => (await db.query<{ id: string }>("SELECT id FROM alerts WHERE box_id = $1 AND rule = 'box-offline' AND status = 'open'", [boxId])).rows[0]?.id;
  const leader = () => alive().find((i) => i.leads());

  async function killLeader(): Promise<{ killed: Instance; next: Instance; takeoverMs: number }> {
    const killed = await until('a singleton holder', leader);
    killed.child.kill('SIGKILL');
    const t0 = Date.now();
    await killed.exited;
    dead.add(killed);
    const next = await until('another instance taking the singleton work over', leader, 30_000);
    return { killed, next, takeoverMs: Date.now() - t0 };
  }

  beforeAll(async () => {
    postgres = await startPostgres({ fast: true });
    storeUrl = await postgres.createDatabase('fleet');
    const servicePort = await freePort();
    mosquitto = await startMosquitto({
      conf: ({ passwordFile, aclFile, port }) =>
        `${renderMosquittoConf({ passwordFile, aclFile, maxPacketBytes: 600 * 1024, listeners: [`listener ${port} 127.0.0.1`], serviceListeners: [`listener ${servicePort} 127.0.0.1`] })}persistence false\nlog_type error\n`,
      writeAuth: (p, a) => {
        writeFileSync(p, renderPasswordFile([{ username: SERVICE.username, hash: mosquittoHash(SERVICE.password) }]));
        writeFileSync(a, renderAclFile(SERVICE.username));
      },
    });
    writeFileSync(join(dir, 'mosquitto.pid'), String(mosquitto.pid));
    process.env[STORE_ENV] = storeUrl;
    try {
      const out: string[] = [];
      expect(await runCli(['token', 'create', '--role', 'admin', '--name', 'fault-test', '--data-dir', dir], (l) => out.push(l), () => undefined)).toBe(0);
      token = out[1] as string;
      expect(await runCli(['club', 'create', '--id', 'club-f', '--name', 'Fault', '--timezone', 'Europe/Paris', '--data-dir', dir], () => undefined, () => undefined)).toBe(0);
    } finally {
      delete process.env[STORE_ENV];
    }
    balancer = await startBalancer(() => alive().map((i) => urls.get(i) as string));
    // One data folder for all (the update repository is shared storage in production too).
    const args = ['--data-dir', join(dir, 'data'), '--store', storeUrl, '--http-host', '127.0.0.1', '--http-port', '0', '--broker-url', `mqtt://127.0.0.1:${servicePort}`,
      '--public-mqtt-url', `mqtt://127.0.0.1:${mosquitto.port}`, '--public-repository-url', `${balancer.url}/repository`,
      '--mosquitto-password-file', mosquitto.passwordFile, '--mosquitto-acl-file', mosquitto.aclFile, '--mosquitto-pid-file', join(dir, 'mosquitto.pid'),
      '--box-keepalive-s', '3', '--box-offline-alert-s', '2'];
    for (const name of ['a', 'b', 'c']) {
      const i = startInstance(name, args, { RESABOX_FLEET_BROKER_PASSWORD: SERVICE.password });
      instances.push(i);
      urls.set(i, await i.url);
    }
    db = new pg.Client({ connectionString: storeUrl });
    await db.connect();
  }, 300_000);

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    for (const i of instances) if (!dead.has(i)) i.child.kill('SIGKILL');
    await Promise.all(instances.map((i) => i.exited));
    balancer?.server.close();
    await mosquitto?.stop();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('stores every pass once, keeps the rollout, the alerts and the live stream going on the survivor', async () => {
    for (const i of instances) {
      const ready = await api(urls.get(i) as string, 'GET', '/readyz');
      expect(ready, i.name).toMatchObject({ status: 200, body: { ready: true } });
    }
    expect(instances.filter((i) => i.leads())).toHaveLength(1);

    const passwords = new Map<string, string>();
    for (const id of [...STREAMING, 'box-u1', 'box-u2', 'box-x1', 'box-x2']) passwords.set(id, await enroll(id));
    const mqttUrl = `mqtt://127.0.0.1:${mosquitto.port}`;
    // The password file is rewritten and Mosquitto reloaded asynchronously: wait for the boxes to get in.
    await connectBox(mqttUrl, 'box-p1', passwords.get('box-p1') as string, 10_000).then((c) => c.endAsync());
    const boxes = await Promise.all(STREAMING.map((id) => startStreamingBox({ mqttUrl, boxId: id, password: passwords.get(id) as string, perTick: 5 })));
    const streams = new Map(await Promise.all(instances.map(async (i) => [i, await watchStream(urls.get(i) as string, token)] as const)));

    // An alert opened before the kills.
    await goOffline('box-x1', passwords.get('box-x1') as string);
    const before = await until('box-x1 offline alert', () => openAlert('box-x1'));
    log(`alert ${before} open for box-x1 before the kills`);

    // A running rollout: the canary (box-u1) commits, the last wave (box-u2) waits for its box.
    expect((await api(anyUrl(), 'PUT', '/v1/updates/artifacts/resabox-1.1.0-rbx-a1.tar.gz', bundle)).status).toBe(201);
    const created = await api(anyUrl(), 'POST', '/v1/rollouts', { name: 'fault', version: '1.1.0', targetName: 'resabox-1.1.0-rbx-a1.tar.gz', hardware: 'rbx-a1', target: { boxes: ['box-u1', 'box-u2'] }, waves: { canary: 1, percents: [100] }, errorThresholdPct: 50, maxAttempts: 2, start: true });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const rolloutId = created.body.id as string;
    // The planner picks the canary: its box comes now, the other one after the kills.
    const waves = (await api(anyUrl(), 'GET', `/v1/rollouts/${rolloutId}/boxes`)).body.boxes as Json[];
    const canary = waves.find((b) => b.wave === 1)?.boxId as string;
    const last = waves.find((b) => b.boxId !== canary)?.boxId as string;
    const updateBox = (boxId: string) => startUpdateBox({ mqttUrl, boxId, password: passwords.get(boxId) as string, version: '1.0.0', script: 'commit', expectSha256: () => sha256 });
    const sims: SimulatedUpdateBox[] = [await updateBox(canary)];
    await until('the canary committed', async () => ((await api(anyUrl(), 'GET', `/v1/rollouts/${rolloutId}/boxes`)).body.boxes as Json[]).find((b) => b.boxId === canary && b.state === 'succeeded'));
    expect((await api(anyUrl(), 'GET', `/v1/rollouts/${rolloutId}`)).body.state).toBe('running');

    await until('passes flowing', async () => Number((await db.query('SELECT count(*) AS n FROM passes')).rows[0].n) > 200);
    const first = await killLeader();
    log(`SIGKILL ${first.killed.name} (singleton holder) mid-ingest; ${first.next.name} took the singleton work over in ${first.takeoverMs} ms`);
    await sleep(BETWEEN_KILLS_MS);
    const second = await killLeader();
    log(`SIGKILL ${second.killed.name} (singleton holder) mid-ingest; ${second.next.name} took the singleton work over in ${second.takeoverMs} ms`);
    const survivor = second.next;
    const stream = streams.get(survivor) as Awaited<ReturnType<typeof watchStream>>;
    const changesAtSecondKill = stream.changes.length;

    // The rollout's last box comes now: its status reports reach the survivor only.
    sims.push(await updateBox(last));
    const done = await until('the rollout completed', async () => {
      const r = (await api(urls.get(survivor) as string, 'GET', `/v1/rollouts/${rolloutId}`)).body;
      return r.state === 'completed' ? r : undefined;
    });
    log(`rollout ${rolloutId} ${done.state} on ${survivor.name}`);

    // A new alert, opened by the survivor's alert clock; the old one is still open.
    await goOffline('box-x2', passwords.get('box-x2') as string);
    const after = await until('box-x2 offline alert', () => openAlert('box-x2'));
    expect(await openAlert('box-x1')).toBe(before);
    log(`alert ${before} (box-x1) still open, alert ${after} (box-x2) opened after the kills`);

    for (const b of boxes) b.stopStreaming();
    await until('every journaled pass acknowledged', () => boxes.every((b) => b.acked() === b.journaled()), 120_000);
    const rows = (await db.query<{ box_id: string; n: string; distinct_seq: string; max_seq: string }>('SELECT box_id, count(*) AS n, count(DISTINCT seq) AS distinct_seq, max(seq) AS max_seq FROM passes GROUP BY box_id ORDER BY box_id')).rows;
    for (const b of boxes) {
      const row = rows.find((r) => r.box_id === b.boxId);
      expect(row, b.boxId).toBeDefined();
      expect({ box: b.boxId, stored: Number(row?.n), distinct: Number(row?.distinct_seq), maxSeq: Number(row?.max_seq) }).toEqual({ box: b.boxId, stored: b.journaled(), distinct: b.journaled(), maxSeq: b.journaled() });
      log(`${b.boxId}: ${b.journaled()} passes journaled, ${Number(row?.n)} stored, acks out of order: ${b.acksOutOfOrder()}`);
    }

    await until('a live change on the survivor after the kills', () => stream.changes.slice(changesAtSecondKill).some((t) => t.includes('passes')));
    log(`stream on ${survivor.name}: ${stream.changes.length - changesAtSecondKill} change events after the second kill`);
    expect(survivor.leads()).toBe(true);
    expect((await api(urls.get(survivor) as string, 'GET', '/readyz')).body.ready).toBe(true);

    for (const s of streams.values()) s.close();
    for (const s of sims) await s.close();
    for (const b of boxes) await b.close();
  }, 600_000);
});
