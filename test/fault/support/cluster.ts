import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { systemClock } from '../../../platform/clock.ts';
import { silentLogger } from '../../../platform/log.ts';
import { PassOutbox } from '../../../agent/uplink/outbox.ts';
import { VALID_MESSAGES } from '../../../protocol/mqtt/fixtures.ts';
import { decode, encode, topicFor, type Pass } from '../../../protocol/mqtt/index.ts';

/** One `resabox-fleet serve` child process, as an operator runs it. */
export interface Instance {
  readonly name: string;
  readonly child: ChildProcess;
  readonly url: Promise<string>;
  /** Every line it printed (pino JSON lines and the start banner). */
  output(): string;
  /** True once it logged that it runs the singleton work (and not since that it stopped). */
  leads(): boolean;
  readonly exited: Promise<number | null>;
}

/** `clustered` false: a lone fleet (no --instance), as on SQLite. */
export function startInstance(name: string, args: string[], env: Record<string, string>, clustered = true): Instance {
  const bin = join(process.cwd(), 'bin', 'resabox-fleet.js');
  const child = spawn(process.execPath, [bin, 'serve', ...(clustered ? ['--instance', name] : []), ...args], { env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const look = () => {
      const m = /fleet API: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) return resolve(m[1] as string);
      setTimeout(look, 50);
    };
    look();
    void exited.then((code) => reject(new Error(`instance ${name} exited with ${code}: ${out}`)));
  });
  url.catch(() => undefined);
  return {
    name,
    child,
    url,
    output: () => out,
    leads: () => out.lastIndexOf('CLUSTER_LEADER') > out.lastIndexOf('CLUSTER_FOLLOWER'),
    exited,
  };
}

const passTemplate = VALID_MESSAGES.passes.passes[0] as Pass;
const health = { ...VALID_MESSAGES.health, devices: [], lanes: [] };

/**
 * A box streaming passes the way the agent does: its journal (in memory here) feeds the
 * agent's own PassOutbox, which re-sends a batch not acknowledged in time; it also sends
 * live health (presence) every second. Passes are journaled at `perTick` every 100 ms.
 */
export async function startStreamingBox(o: { mqttUrl: string; boxId: string; password: string; perTick: number }) {
  const rows: Pass[] = [];
  let acked = 0;
  const journal = {
    readUnsent: (limit: number, afterSeq = acked) => rows.filter((p) => p.seq > Math.max(afterSeq, acked)).slice(0, limit),
    ack: (seq: number) => void (acked = Math.max(acked, seq)),
    stats: () => ({ lastSeq: rows.length, ackedSeq: acked }),
  };
  const client: MqttClient = await mqtt.connectAsync(o.mqttUrl, {
    protocolVersion: 4,
    clientId: o.boxId,
    username: o.boxId,
    password: o.password,
    clean: true,
    reconnectPeriod: 0,
    will: { topic: topicFor('state', o.boxId), payload: Buffer.from(encode('state', { ...VALID_MESSAGES.state, state: 'offline', reason: 'last-will', ts: Date.now() })), qos: 1, retain: true },
  });
  let acksOutOfOrder = 0;
  let lastAckFirst = 0;
  const outbox = new PassOutbox({
    journal,
    clock: systemClock,
    logger: silentLogger,
    batchSize: 20,
    maxInFlight: 4,
    ackTimeoutMs: 3000,
    pollMs: 50,
    ackFlushMs: 0,
    publish: (payload) => (client.connected ? (client.publish(topicFor('passes', o.boxId), Buffer.from(payload), { qos: 1 }), true) : false),
  });
  client.on('message', (topic, payload) => {
    if (topic !== topicFor('passAck', o.boxId)) return;
    const d = decode('passAck', payload);
    if (!d.ok) return;
    if (d.value.firstSeq < lastAckFirst) acksOutOfOrder++;
    lastAckFirst = d.value.firstSeq;
    outbox.onAck(d.value);
  });
  await client.subscribeAsync(topicFor('passAck', o.boxId), { qos: 1 });
  await client.publishAsync(topicFor('state', o.boxId), Buffer.from(encode('state', { ...VALID_MESSAGES.state, ts: Date.now() })), { qos: 1, retain: true });
  outbox.connected();
  let streaming = true;
  const journalTimer = setInterval(() => {
    if (!streaming) return;
    for (let i = 0; i < o.perTick; i++) rows.push({ ...passTemplate, seq: rows.length + 1, ts: Date.now(), decidedAt: Date.now() });
    outbox.kick();
  }, 100);
  const healthTimer = setInterval(() => void client.publishAsync(topicFor('health', o.boxId), Buffer.from(encode('health', { ...health, ts: Date.now() })), { qos: 0 }).catch(() => undefined), 1000);
  return {
    boxId: o.boxId,
    journaled: () => rows.length,
    acked: () => acked,
    acksOutOfOrder: () => acksOutOfOrder,
    stopStreaming: () => void (streaming = false),
    async close() {
      clearInterval(journalTimer);
      clearInterval(healthTimer);
      outbox.stop();
      await client.endAsync();
    },
  };
}

/** Reads a Server-Sent Events stream, counting `change` events per topic. */
export async function watchStream(url: string, token: string) {
  const controller = new AbortController();
  const res = await fetch(`${url}/v1/stream`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  if (res.status !== 200 || !res.body) throw new Error(`stream: ${res.status}`);
  const changes: string[][] = [];
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
        const frame = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const data = /^event: change\ndata: (.*)$/m.exec(frame);
        if (data) changes.push((JSON.parse(data[1] as string) as { topics: string[] }).topics);
      }
    }
  })();
  return { changes, close: () => controller.abort() };
}
