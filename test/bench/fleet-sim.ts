/**
 * Simulated boxes for the fleet-scale benchmark, run in a child process so that the
 * fleet's own CPU and memory are measured apart from the clients'. Reads its boxes from
 * a JSON file, connects them (bounded concurrency; a refused or timed-out connect is retried
 * by the agent's own rule, agent/uplink/backoff.ts ReconnectPolicy: its short busy window
 * after CONNACK 3, its loss backoff otherwise, as a real box does, up to CONNECT_ATTEMPTS),
 * then each box sends health every
 * HEALTH_MS and a pass batch of BATCH_SIZE every BATCH_MS, the next batch only after
 * the previous one was acknowledged (like the agent's outbox). Prints one JSON line of
 * counters per second on stdout.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { reconnectPolicy } from '../../agent/uplink/backoff.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { encode, topicFor } from '../../protocol/mqtt/index.ts';

const env = (k: string, d?: string): string => {
  const v = process.env[k] ?? d;
  if (v === undefined) throw new Error(`missing ${k}`);
  return v;
};
const url = env('BENCH_URL');
const boxes = JSON.parse(readFileSync(env('BENCH_BOXES_FILE'), 'utf8')) as { id: string; secret: string }[];
const healthMs = Number(env('HEALTH_MS', '30000'));
const batchMs = Number(env('BATCH_MS', '10000'));
const batchSize = Number(env('BATCH_SIZE', '10'));
const concurrency = Number(env('CONNECT_CONCURRENCY', '100'));
const attempts = Number(env('CONNECT_ATTEMPTS', '20'));
const connectTimeoutMs = Number(env('CONNECT_TIMEOUT_MS', '15000')); // the agent's
/** Set: each line also carries the second's ack latencies themselves (for percentiles over a whole window). */
const rawLatencies = process.env.RAW_LATENCIES === '1';

const counters = { connected: 0, connectFailed: 0, connectRetries: 0, healthSent: 0, batchesSent: 0, passesSent: 0, acks: 0, passesAcked: 0 };
let latencies: number[] = [];
/** Per box: from its first attempt to its CONNACK, retries included. */
const boxConnectMs: number[] = [];
const clients: MqttClient[] = [];
const timers: NodeJS.Timeout[] = [];
const started = Date.now();
let connectMs = -1;

function startTraffic(c: MqttClient, id: string): void {
  let seq = 0;
  let inflight: { batchId: string; at: number } | null = null;
  c.on('message', (_t, payload) => {
    const ack = JSON.parse(payload.toString()) as { batchId: string; lastSeq: number; firstSeq: number };
    if (inflight && ack.batchId === inflight.batchId) {
      latencies.push(Date.now() - inflight.at);
      counters.acks++;
      counters.passesAcked += ack.lastSeq - ack.firstSeq + 1;
      inflight = null;
    }
  });
  void c.subscribeAsync(topicFor('passAck', id), { qos: 1 });
  const jitter = () => Math.floor(Math.random() * healthMs);
  timers.push(
    setTimeout(() => {
      const send = () => {
        const h = { ...VALID_MESSAGES.health, ts: Date.now(), journal: { lastSeq: seq, backlog: 0, oldestUnsentTs: null } };
        c.publish(topicFor('health', id), Buffer.from(encode('health', h)), { qos: 0 });
        counters.healthSent++;
      };
      send();
      timers.push(setInterval(send, healthMs));
    }, jitter()),
  );
  timers.push(
    setTimeout(() => {
      timers.push(
        setInterval(() => {
          if (inflight) return; // the previous batch is not acknowledged yet: the outbox waits
          const template = VALID_MESSAGES.passes.passes[0] as (typeof VALID_MESSAGES.passes.passes)[number];
          const passes = Array.from({ length: batchSize }, () => ({ ...template, seq: ++seq, ts: Date.now(), decidedAt: Date.now() }));
          const batchId = `${id}-${passes[0]?.seq}`;
          inflight = { batchId, at: Date.now() };
          c.publish(topicFor('passes', id), Buffer.from(encode('passes', { v: 1, batchId, passes })), { qos: 1 });
          counters.batchesSent++;
          counters.passesSent += batchSize;
        }, batchMs),
      );
    }, Math.floor(Math.random() * batchMs)),
  );
}

async function connectOne(b: { id: string; secret: string }): Promise<void> {
  const policy = reconnectPolicy(Math.random, () => performance.now());
  const t0 = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const c = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: b.id, username: b.id, password: b.secret, reconnectPeriod: 0, connectTimeout: connectTimeoutMs, keepalive: 60 });
      boxConnectMs.push(Date.now() - t0);
      clients.push(c);
      counters.connected++;
      c.on('close', () => counters.connected--);
      startTraffic(c, b.id);
      return;
    } catch (e) {
      if (attempt >= attempts) {
        counters.connectFailed++;
        return;
      }
      counters.connectRetries++;
      await new Promise((r) => setTimeout(r, policy.next((e as { code?: unknown }).code === 3 ? 'busy' : 'lost')));
    }
  }
}

async function connectAll(): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < boxes.length) await connectOne(boxes[next++] as { id: string; secret: string });
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  connectMs = Date.now() - started;
  boxConnectMs.sort((a, b) => a - b);
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number) : -1;
}

const report = setInterval(() => {
  const sorted = latencies.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ ...counters, connectMs, boxConnectP50: connectMs >= 0 ? percentile(boxConnectMs, 50) : -1, boxConnectP99: connectMs >= 0 ? percentile(boxConnectMs, 99) : -1, ackP50: percentile(sorted, 50), ackP99: percentile(sorted, 99), memRss: process.memoryUsage().rss, ...(rawLatencies ? { latencies: sorted } : {}) })}\n`);
  latencies = [];
}, 1000);

process.on('SIGTERM', () => {
  clearInterval(report);
  for (const t of timers) clearInterval(t);
  for (const c of clients) c.end(true);
  setTimeout(() => process.exit(0), 200);
});

void connectAll();
