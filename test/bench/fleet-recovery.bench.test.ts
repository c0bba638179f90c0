/**
 * Recovery of the fleet's boxes, as they behave in the field (test/bench/recovery-sim.ts:
 * the agent's backoff and outbox), figures printed, nothing about time asserted:
 *
 * 1. Backlog after a network cut: RECOVERY_BOXES (default 1,000) boxes connected to the
 *    embedded broker through one TCP proxy, each journaling a pass every 2 s; the proxy is
 *    stopped for RECOVERY_CUT_S (default 60 s: every box at its 20 s backoff cap), then
 *    restarted. Printed: per box, the time from the restore to the fleet's ack of the last
 *    pass it journaled before the restore (p50, p95, max, and the share within 30 s).
 * 2. Connect storm: STORM_BOXES (default 10,000) boxes that lost their link together all
 *    reconnect (each first try within the agent's first 0.5 s window) to a fleet just started
 *    (its verified-secret cache empty, as after a fleet restart), on the embedded broker
 *    (admission control at its default, per core) and on Mosquitto, one after the other in
 *    one test. Printed: seconds until every box is connected, attempts, busy refusals
 *    (CONNACK 3), other failed attempts (connect timeout, network), and the CPU seconds the
 *    fleet process (and the Mosquitto process) spent during the storm.
 *
 * The simulators run in child processes (5,000 boxes each). A run of 10,000 needs about
 * 10,000 file descriptors in this process and in each broker: the simulators and Mosquitto
 * raise their soft limit themselves; run it with `ulimit -n` of 20,000 or more.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { admissionAtRate, defaultAdmission } from '../../fleet/broker/admission.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { makeBoxes, procUsage, startBenchFleet, stopChildren, type BenchBox, type BrokerKind } from './bench-fleet.ts';
import { percentiles } from './percentiles.ts';

const RECOVERY_BOXES = Number(process.env.RECOVERY_BOXES ?? 1000);
const RECOVERY_CUT_S = Number(process.env.RECOVERY_CUT_S ?? 60);
const STORM_BOXES = Number(process.env.STORM_BOXES ?? 10_000);
const STORM_LIMIT_S = Number(process.env.STORM_LIMIT_S ?? 300);
const PER_CHILD = 5000;
const simScript = fileURLToPath(new URL('./recovery-sim.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
/** STORM_CONNECT_RATE: the embedded broker's connect rate for both tests (0: no admission control); default the product's. */
const rate = process.env.STORM_CONNECT_RATE === undefined ? undefined : Number(process.env.STORM_CONNECT_RATE);
const admission = rate === undefined ? defaultAdmission() : rate === 0 ? false : admissionAtRate(rate);
const admissionText = admission ? `${admission.perSecond}/s (bursts of ${admission.burst}, at most ${admission.maxInFlight} checks at once)` : 'off';

interface SimLine {
  connected: number;
  attempts: number;
  refused: number;
  failed: number;
  marked: number;
  delivered: number[];
}

/** The simulator processes for a set of boxes, with their latest report lines. */
class Sims {
  private readonly children: ChildProcess[] = [];
  private readonly last: (SimLine | undefined)[] = [];

  constructor(url: string, boxes: readonly BenchBox[], dir: string, passMs: number) {
    for (let i = 0; i < boxes.length; i += PER_CHILD) {
      const file = join(dir, `sim-${i}.json`);
      writeFileSync(file, JSON.stringify(boxes.slice(i, i + PER_CHILD).map((b) => ({ id: b.id, secret: b.secret }))));
      const k = this.children.length;
      const child = spawn('bash', ['-c', `ulimit -n 20000 2>/dev/null || true; exec node --import tsx ${JSON.stringify(simScript)}`], { env: { ...process.env, BENCH_URL: url, BENCH_BOXES_FILE: file, PASS_MS: String(passMs) }, stdio: ['pipe', 'pipe', 'inherit'] });
      let buf = '';
      child.stdout?.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          this.last[k] = JSON.parse(buf.slice(0, nl)) as SimLine;
          buf = buf.slice(nl + 1);
        }
      });
      this.children.push(child);
    }
  }

  /** Every simulator has loaded and reported once (before that, a `start` would time its loading too). */
  ready(): boolean {
    return this.children.every((_, k) => this.last[k] !== undefined);
  }

  send(line: 'start' | 'mark'): void {
    for (const c of this.children) c.stdin?.write(`${line}\n`);
  }

  sum(k: 'connected' | 'attempts' | 'refused' | 'failed' | 'marked'): number {
    return this.last.reduce((a, l) => a + (l?.[k] ?? 0), 0);
  }

  delivered(): number[] {
    return this.last.flatMap((l) => l?.delivered ?? []);
  }

  /** Polls the reports (every 200 ms) until `done`; throws after `timeoutMs`. */
  async until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s (connected ${this.sum('connected')})`);
      await sleep(200);
    }
  }

  async stop(): Promise<void> {
    await stopChildren(this.children);
  }
}

describe('fleet recovery', () => {
  it(`backlog delivery after a ${RECOVERY_CUT_S} s network cut, over ${RECOVERY_BOXES} boxes (embedded broker)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resabox-recovery-'));
    const boxes = await makeBoxes(RECOVERY_BOXES);
    const bench = await startBenchFleet('embedded aedes', boxes, dir, admission);
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(bench.url).port));
    await proxy.restore();
    const sims = new Sims(`mqtt://127.0.0.1:${proxy.port}`, boxes, dir, 2000);
    try {
      await sims.until('the simulators loaded', () => sims.ready(), 120_000);
      sims.send('start');
      await sims.until('every box connected', () => sims.sum('connected') === boxes.length, 900_000);
      await sleep(12_000); // connected past the agent's 10 s: each backoff is back at its first window
      await proxy.cut();
      await sims.until('every box disconnected', () => sims.sum('connected') === 0, 60_000);
      await sleep(RECOVERY_CUT_S * 1000);
      const loadAtRestore = load();
      await proxy.restore();
      sims.send('mark');
      await sims.until('every backlog delivered', () => sims.sum('marked') === boxes.length && sims.delivered().length === boxes.length, 600_000);
      const times = sims.delivered().map((ms) => ms / 1000);
      const [p50, p95, max] = percentiles(times, [50, 95, 100]) as [number, number, number];
      const within = times.filter((s) => s <= 30).length;
      const stored = bench.fleet.ingest.stats.passesStored;
      console.log(
        [
          `recovery: ${boxes.length} boxes, network cut ${RECOVERY_CUT_S} s through one TCP proxy, a pass every 2 s per box (backlog ~${Math.round(RECOVERY_CUT_S / 2)} passes each), agent backoff 0.5 s first window, 20 s cap; embedded broker, admission ${admissionText}`,
          `backlog delivered after the restore (s): p50 ${p50.toFixed(1)}  p95 ${p95.toFixed(1)}  max ${max.toFixed(1)}; within 30 s: ${within} of ${times.length} (${((100 * within) / times.length).toFixed(1)} %)`,
          `connect attempts ${sims.sum('attempts')}, busy refusals ${sims.sum('refused')}, other failures ${sims.sum('failed')}; passes stored ${stored}; load average at the restore ${loadAtRestore}, now ${load()}`,
        ].join('\n'),
      );
      expect(times.length).toBe(boxes.length);
    } finally {
      await sims.stop();
      await proxy.cut();
      await bench.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 1_800_000);

  it(`connect storm of ${STORM_BOXES} boxes: embedded broker and Mosquitto in one run`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resabox-storm-'));
    const boxes = await makeBoxes(STORM_BOXES);
    const rows: string[] = [];
    const storms: number[] = [];
    try {
      for (const kind of ['embedded aedes', 'Mosquitto'] as BrokerKind[]) {
        const bench = await startBenchFleet(kind, boxes, dir, admission);
        const sims = new Sims(bench.url, boxes, dir, 0);
        try {
          await sims.until('the simulators loaded', () => sims.ready(), 120_000);
          const loadBefore = load();
          const cpu0 = process.cpuUsage();
          const broker0 = bench.mosquitto ? procUsage(bench.mosquitto.pid).cpuS : 0;
          const t0 = Date.now();
          sims.send('start');
          // A storm that does not complete is a figure too: how many were in after STORM_LIMIT_S.
          const complete = await sims.until(`${kind}: every box connected`, () => sims.sum('connected') === boxes.length, STORM_LIMIT_S * 1000).then(
            () => true,
            () => false,
          );
          const s = (Date.now() - t0) / 1000;
          const cpu = process.cpuUsage(cpu0);
          const fleetCpuS = (cpu.user + cpu.system) / 1e6;
          const brokerCpu = bench.mosquitto ? (procUsage(bench.mosquitto.pid).cpuS - broker0).toFixed(1) : 'in fleet';
          const held = kind === 'Mosquitto' ? sims.sum('connected') : (bench.fleet.broker?.connectedBoxes() ?? 0);
          const cells = [s.toFixed(1), String(held), String(sims.sum('attempts')), String(sims.sum('refused')), String(sims.sum('failed')), fleetCpuS.toFixed(1), ((100 * fleetCpuS) / s).toFixed(0), brokerCpu];
          if (!complete) cells[0] = `>${STORM_LIMIT_S}`;
          rows.push(`${kind.padEnd(16)}${cells.map((c) => c.padStart(10)).join('')}   ${loadBefore} -> ${load()}`);
          console.log(`storm ${kind}: ${held} of ${boxes.length} connected after ${s.toFixed(1)} s`);
          storms.push(held);
        } finally {
          await sims.stop();
          await bench.stop();
        }
      }
      const head = ['storm(s)', 'held', 'attempts', 'busy', 'failed', 'fleetCPU', 'fleet%', 'brokerCPU'];
      console.log(
        [
          `connect storm: ${boxes.length} boxes reconnecting at once to a fleet just started (agent rule: 0.5 s first window, 20 s cap; after CONNACK 3 busy, 1 s doubling to 20 s; 15 s connect timeout); embedded admission ${admissionText}`,
          `busy = CONNACK 3 refusals, failed = other failed attempts (timeout, network); fleetCPU = CPU seconds of the fleet process during the storm (fleet% = of one core), brokerCPU = the Mosquitto process's`,
          `${'broker'.padEnd(16)}${head.map((h) => h.padStart(10)).join('')}   load average before -> after`,
          ...rows,
        ].join('\n'),
      );
      for (const held of storms) expect(held).toBe(boxes.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 3_600_000);
});
