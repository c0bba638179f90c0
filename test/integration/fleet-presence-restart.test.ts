import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../fleet/cli/main.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { encode, topicFor } from '../../protocol/mqtt/index.ts';
import { enrollOverApi } from '../support/demo-box.ts';

const KEEPALIVE_S = 2;
const BIN = join(process.cwd(), 'bin', 'resabox-fleet.js');

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

interface FleetProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<unknown>;
}

/** `resabox-fleet serve` as a process of its own, so that it can be SIGKILLed. */
async function serve(dir: string, mqttPort: number): Promise<FleetProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dir, '--http-host', '127.0.0.1', '--http-port', '0', '--mqtt-port', String(mqttPort), '--box-keepalive-s', String(KEEPALIVE_S), '--box-offline-alert-s', '1'], {
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  for (let i = 0; i < 600; i++) {
    const m = /fleet API: (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (m) return { child, url: m[1] as string, exited };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`fleet did not start: ${output}`);
}

/** A box as the agent behaves on the wire: retained online state and health at every connect, a last will, health every second. */
function box(url: string, boxId: string, password: string, reconnect: boolean): { client: MqttClient; stop(): void } {
  const client = mqtt.connect(url, {
    protocolVersion: 4,
    clientId: boxId,
    username: boxId,
    password,
    clean: false,
    keepalive: KEEPALIVE_S,
    reconnectPeriod: reconnect ? 300 : 0,
    will: { topic: topicFor('state', boxId), payload: Buffer.from(encode('state', { ...VALID_MESSAGES.state, state: 'offline', reason: 'last-will', ts: Date.now() })), qos: 1, retain: true },
  });
  client.on('error', () => undefined);
  const health = () => client.connected && client.publish(topicFor('health', boxId), Buffer.from(encode('health', { ...VALID_MESSAGES.health, ts: Date.now() })), { qos: 0 });
  client.on('connect', () => {
    client.publish(topicFor('state', boxId), Buffer.from(encode('state', { ...VALID_MESSAGES.state, ts: Date.now() })), { qos: 1, retain: true });
    health();
  });
  const timer = setInterval(health, 1000);
  return { client, stop: () => (clearInterval(timer), client.end(true)) };
}

async function get<T>(f: FleetProcess, token: string, path: string): Promise<T> {
  const res = await fetch(`${f.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return (await res.json()) as T;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Boxes = { boxes: { id: string; online: boolean }[] };
type Alerts = { alerts: { boxId: string; rule: string }[] };
const onlineMap = (b: Boxes) => Object.fromEntries(b.boxes.map((x) => [x.id, x.online]));

/*
 * Stale "online" after a fleet crash: the fleet is SIGKILLed while two of three boxes have
 * just vanished (their sockets closed while the fleet was frozen, so it never saw them go),
 * then started again on the same data folder and port.
 */
describe('online truth after a fleet crash (embedded broker)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resabox-presence-'));
  const boxes: { stop(): void }[] = [];
  let fleet: FleetProcess;
  let token = '';
  let mqttUrl = '';
  const ids = ['box-p-1', 'box-p-2', 'box-p-3'];

  beforeAll(async () => {
    const out: string[] = [];
    await runCli(['token', 'create', '--role', 'admin', '--name', 'test', '--data-dir', dir], (l) => out.push(l), () => undefined);
    token = out[1] as string;
    const port = await freePort();
    mqttUrl = `mqtt://127.0.0.1:${port}`;
    fleet = await serve(dir, port);
    await fetch(`${fleet.url}/v1/clubs/club-p`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'P', timezone: 'Europe/Paris' }) });
    for (const [i, id] of ids.entries()) boxes.push(box(mqttUrl, id, await enrollOverApi(fleet.url, token, id, 'club-p'), i === 2));
    await until(async () => (Object.values(onlineMap(await get<Boxes>(fleet, token, '/v1/boxes'))).filter(Boolean).length === 3 ? true : undefined), 'three boxes online');
  }, 120_000);

  afterAll(async () => {
    for (const b of boxes) b.stop();
    fleet?.child.kill('SIGKILL');
    await fleet?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('after a SIGKILL and restart, the two vanished boxes show offline at once with their alerts, the third online', async () => {
    const port = Number(new URL(mqttUrl).port);
    fleet.child.kill('SIGSTOP');
    // Vanish without a word: the sockets close while the fleet cannot notice.
    for (const b of boxes.slice(0, 2)) b.stop();
    fleet.child.kill('SIGKILL');
    await fleet.exited;
    fleet = await serve(dir, port);
    // The first answer of the restarted fleet is already true for the two that are gone.
    const first = onlineMap(await get<Boxes>(fleet, token, '/v1/boxes'));
    expect(first['box-p-1']).toBe(false);
    expect(first['box-p-2']).toBe(false);
    // The third reconnects by itself (its own retry), and is shown online again.
    await until(async () => (onlineMap(await get<Boxes>(fleet, token, '/v1/boxes'))['box-p-3'] ? true : undefined), 'box-p-3 online');
    // Once the 1.5-keepalive grace is over, "box offline" opens for the two, not for the third.
    const open = await until(async () => {
      const { alerts } = await get<Alerts>(fleet, token, '/v1/alerts?status=open');
      const offline = alerts.filter((a) => a.rule === 'box-offline').map((a) => a.boxId).sort();
      return offline.length >= 2 ? offline : undefined;
    }, 'box-offline alerts');
    expect(open).toEqual(['box-p-1', 'box-p-2']);
    expect(onlineMap(await get<Boxes>(fleet, token, '/v1/boxes'))).toEqual({ 'box-p-1': false, 'box-p-2': false, 'box-p-3': true });
  }, 120_000);
});
