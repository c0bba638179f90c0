/**
 * Simulated boxes for the recovery benchmark, in a child process. Each box reconnects as the
 * agent does (agent/uplink/backoff.ts, the agent's ReconnectPolicy with its defaults: a first
 * window of 0.5 s doubling to a 20 s cap, reset after 10 s connected; after a busy refusal,
 * CONNACK 3, a 1 s window doubling to 20 s; the agent's 15 s connect timeout), journals a pass every PASS_MS whether
 * connected or not, and while connected delivers its backlog as the outbox does: one QoS 1
 * batch of up to BATCH_MAX passes at a time, the next after the fleet's ack.
 *
 * stdin: `start` connects every box, each after a random delay in the first backoff window
 * (boxes that lost their link together); `mark` records each box's last journaled pass, and
 * the box reports when the fleet has acknowledged up to it. stdout: one JSON line a second
 * ({ connected, attempts, refused (CONNACK 3), failed (timeout, network), marked, delivered[] }).
 */
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { reconnectPolicy } from '../../agent/uplink/backoff.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { boxSubscriptions, encode, topicFor } from '../../protocol/mqtt/index.ts';

const url = process.env.BENCH_URL as string;
const boxes = JSON.parse(readFileSync(process.env.BENCH_BOXES_FILE as string, 'utf8')) as { id: string; secret: string }[];
const passMs = Number(process.env.PASS_MS ?? 0);
const batchMax = Number(process.env.BATCH_MAX ?? 100);
const template = VALID_MESSAGES.passes.passes[0] as (typeof VALID_MESSAGES.passes.passes)[number];
const counters = { connected: 0, attempts: 0, refused: 0, failed: 0 };
let markedAt = 0;
/** Per marked box: ms from the mark to the ack of its marked pass. */
const delivered: number[] = [];

class SimBox {
  private client: MqttClient | null = null;
  private readonly policy = reconnectPolicy(Math.random, () => performance.now());
  lastSeq = 0;
  ackedSeq = 0;
  private inflight = false;
  mark = -1;

  constructor(private readonly b: { id: string; secret: string }) {}

  start(): void {
    setTimeout(() => this.connect(), this.policy.next('lost'));
  }

  journal(): void {
    this.lastSeq++;
    this.drain();
  }

  private connect(): void {
    counters.attempts++;
    // As the agent connects (agent/uplink/connection.ts) and greets (uplink.ts onConnected):
    // persistent session, last will on `state`, its down topics, `state` online retained.
    const will = { topic: topicFor('state', this.b.id), payload: Buffer.from(encode('state', { ...VALID_MESSAGES.state, state: 'offline', reason: 'last-will', ts: Date.now() })), qos: 1 as const, retain: true };
    const c = mqtt.connect(url, { protocolVersion: 4, clientId: this.b.id, username: this.b.id, password: this.b.secret, reconnectPeriod: 0, connectTimeout: 15_000, keepalive: 30, clean: false, will });
    let up = false;
    let busy = false;
    c.on('connect', () => {
      up = true;
      counters.connected++;
      this.client = c;
      this.policy.connected();
      c.subscribe(boxSubscriptions(this.b.id), { qos: 1 }, () => this.drain());
      c.publish(topicFor('state', this.b.id), Buffer.from(encode('state', { ...VALID_MESSAGES.state, ts: Date.now() })), { qos: 1, retain: true });
    });
    c.on('message', (topic, payload) => {
      if (topic !== topicFor('passAck', this.b.id)) return;
      const ack = JSON.parse(payload.toString()) as { lastSeq: number };
      this.inflight = false;
      this.ackedSeq = Math.max(this.ackedSeq, ack.lastSeq);
      if (this.mark >= 0 && this.ackedSeq >= this.mark) {
        delivered.push(Date.now() - markedAt);
        this.mark = -1;
      }
      this.drain();
    });
    c.on('error', (e) => {
      if ((e as { code?: unknown }).code === 3) busy = true;
    });
    c.once('close', () => {
      c.removeAllListeners('connect');
      c.end(true);
      if (up) counters.connected--;
      else if (busy) counters.refused++;
      else counters.failed++;
      this.client = null;
      this.inflight = false;
      setTimeout(() => this.connect(), this.policy.next(busy ? 'busy' : 'lost'));
    });
  }

  private drain(): void {
    const c = this.client;
    if (!c || this.inflight || this.ackedSeq >= this.lastSeq) return;
    const first = this.ackedSeq + 1;
    const last = Math.min(this.lastSeq, this.ackedSeq + batchMax);
    const now = Date.now();
    const passes = Array.from({ length: last - first + 1 }, (_, i) => ({ ...template, seq: first + i, ts: now, decidedAt: now }));
    this.inflight = true;
    c.publish(topicFor('passes', this.b.id), Buffer.from(encode('passes', { v: 1, batchId: `${this.b.id}-${first}-${last}`, passes })), { qos: 1 });
  }
}

const sims = boxes.map((b) => new SimBox(b));
if (passMs > 0) setInterval(() => sims.forEach((s) => s.journal()), passMs);
setInterval(() => process.stdout.write(`${JSON.stringify({ ...counters, marked: sims.filter((s) => s.mark >= 0).length + delivered.length, delivered })}\n`), 1000);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'start') sims.forEach((s) => s.start());
  if (line === 'mark') {
    markedAt = Date.now();
    delivered.length = 0;
    for (const s of sims) {
      if (s.lastSeq > s.ackedSeq) s.mark = s.lastSeq;
      else delivered.push(0);
    }
  }
});
process.on('SIGTERM', () => process.exit(0));
