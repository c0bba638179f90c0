/**
 * Fleet at scale: N simulated boxes (child processes) against the embedded aedes broker
 * and against Mosquitto, side by side. Figures are printed; nothing about time is asserted.
 *
 *   FLEET_BENCH_BOXES      boxes (default 2000; up to 10000). On the shared 2-core machine both brokers
 *                          held 2,000 boxes at the default rates (embedded: all connected in ~4 s) and
 *                          10,000 boxes at the real health period with a batch every 30 s
 *                          (FLEET_BENCH_HEALTH_MS=30000 FLEET_BENCH_BATCH_MS=30000: ~3,300 passes/s offered).
 *                          10,000 boxes at the default rates offer 10,000 passes/s: the fleet's one core
 *                          saturates on ingest (both brokers) and the embedded broker had ~8,800 connected
 *                          after 3.5 min, new connects starved by the traffic of the connected ones.
 *   FLEET_BENCH_WINDOW_S   measurement window per broker, after all boxes connected (default 60)
 *   FLEET_BENCH_HEALTH_MS  health period per box (default 6000: 30 s compressed 5x)
 *   FLEET_BENCH_BATCH_MS   pass batch period per box (default 10000)
 *   FLEET_BENCH_BATCH_SIZE passes per batch (default 10)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeBoxes, procUsage, startBenchFleet, stopChildren, type BenchBox, type BrokerKind } from './bench-fleet.ts';

const N = Number(process.env.FLEET_BENCH_BOXES ?? 2000);
const WINDOW_S = Number(process.env.FLEET_BENCH_WINDOW_S ?? 60);
const HEALTH_MS = Number(process.env.FLEET_BENCH_HEALTH_MS ?? 6000);
const BATCH_MS = Number(process.env.FLEET_BENCH_BATCH_MS ?? 10000);
const BATCH_SIZE = Number(process.env.FLEET_BENCH_BATCH_SIZE ?? 10);
const BOXES_PER_CHILD = 5000;
const simScript = fileURLToPath(new URL('./fleet-sim.ts', import.meta.url));

interface SimLine {
  connected: number;
  connectFailed: number;
  connectRetries: number;
  boxConnectP50: number;
  boxConnectP99: number;
  healthSent: number;
  batchesSent: number;
  passesSent: number;
  acks: number;
  passesAcked: number;
  connectMs: number;
  ackP50: number;
  ackP99: number;
  memRss: number;
}

class Sims {
  readonly last: SimLine[] = [];
  readonly history: SimLine[][] = [];
  private readonly children: ChildProcess[] = [];

  constructor(url: string, boxFiles: string[]) {
    boxFiles.forEach((file, i) => {
      const env = { ...process.env, BENCH_URL: url, BENCH_BOXES_FILE: file, HEALTH_MS: String(HEALTH_MS), BATCH_MS: String(BATCH_MS), BATCH_SIZE: String(BATCH_SIZE) };
      const child = spawn('bash', ['-c', `ulimit -n 65536 2>/dev/null || true; exec node --import tsx ${JSON.stringify(simScript)}`], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let buf = '';
      child.stdout?.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = JSON.parse(buf.slice(0, nl)) as SimLine;
          buf = buf.slice(nl + 1);
          this.last[i] = line;
          (this.history[i] ??= []).push(line);
        }
      });
      this.children.push(child);
    });
  }

  sum<K extends keyof SimLine>(k: K): number {
    return this.last.reduce((a, l) => a + (l?.[k] ?? 0), 0);
  }

  /** Every simulator went through its whole list (a box may have dropped since: counted as not held). */
  doneConnecting(): boolean {
    return this.last.length === this.children.length && this.last.every((l) => l && l.connectMs >= 0);
  }

  async stop(): Promise<void> {
    await stopChildren(this.children);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Figures {
  broker: string;
  boxes: number;
  connectionsHeld: number;
  connectFailed: number;
  connectRetries: number;
  boxConnectP50Ms: number;
  boxConnectP99Ms: number;
  connectStormS: number;
  passesPerS: number;
  passesOfferedPerS: number;
  healthPerS: number;
  ackP50Ms: number;
  ackP99Ms: number;
  fleetCpuPct: number;
  fleetRssMb: number;
  fleetHeapMb: number;
  brokerCpuPct: number | null;
  brokerRssMb: number | null;
  rejected: number;
}

async function run(kind: BrokerKind, boxes: BenchBox[], dir: string): Promise<Figures> {
  const started = await startBenchFleet(kind, boxes, dir);
  const { fleet, url, mosquitto } = started;

  const files: string[] = [];
  for (let i = 0; i < boxes.length; i += BOXES_PER_CHILD) {
    const f = join(dir, `boxes-${i}.json`);
    writeFileSync(f, JSON.stringify(boxes.slice(i, i + BOXES_PER_CHILD).map((b) => ({ id: b.id, secret: b.secret }))));
    files.push(f);
  }
  const sims = new Sims(url, files);
  console.log(`${kind}: broker up, ${files.length} simulator(s) started`);
  try {
    const t0 = Date.now();
    while (!sims.doneConnecting()) {
      if (Date.now() - t0 > 600_000) throw new Error('boxes did not connect within 10 minutes');
      await sleep(500);
    }
    // As measured in the simulator: from its first connect to its last CONNACK.
    const connectStormS = Math.max(...sims.last.map((l) => l.connectMs)) / 1000;
    console.log(`${kind}: ${sims.sum('connected')} boxes connected in ${connectStormS} s, measuring`);
    await sleep(Math.min(BATCH_MS, HEALTH_MS) + 1000); // let traffic reach its steady state
    const cpu0 = process.cpuUsage();
    const broker0 = mosquitto ? procUsage(mosquitto.pid) : null;
    const passes0 = fleet.ingest.stats.passesStored;
    const health0 = fleet.ingest.stats.accepted.health ?? 0;
    const offered0 = sims.sum('passesSent');
    const mark = sims.history.map((h) => h.length);
    const w0 = Date.now();
    let peakRss = 0;
    let peakHeap = 0;
    while (Date.now() - w0 < WINDOW_S * 1000) {
      await sleep(1000);
      const mem = process.memoryUsage();
      peakRss = Math.max(peakRss, mem.rss);
      peakHeap = Math.max(peakHeap, mem.heapUsed);
    }
    const seconds = (Date.now() - w0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const broker1 = mosquitto ? procUsage(mosquitto.pid) : null;
    const windowLines = sims.history.flatMap((h, i) => h.slice(mark[i]));
    const p50s = windowLines.map((l) => l.ackP50).filter((x) => x >= 0).sort((a, b) => a - b);
    const p99s = windowLines.map((l) => l.ackP99).filter((x) => x >= 0);
    const rejected = Object.values(fleet.ingest.stats.rejected).reduce((a, b) => a + (b ?? 0), 0);
    return {
      broker: kind,
      boxes: boxes.length,
      connectionsHeld: mosquitto ? sims.sum('connected') : (fleet.broker?.connectedBoxes() ?? 0),
      connectFailed: sims.sum('connectFailed'),
      connectRetries: sims.sum('connectRetries'),
      // Per simulator process; the worst of them.
      boxConnectP50Ms: Math.max(...sims.last.map((l) => l.boxConnectP50)),
      boxConnectP99Ms: Math.max(...sims.last.map((l) => l.boxConnectP99)),
      connectStormS,
      passesPerS: (fleet.ingest.stats.passesStored - passes0) / seconds,
      passesOfferedPerS: (sims.sum('passesSent') - offered0) / seconds,
      healthPerS: ((fleet.ingest.stats.accepted.health ?? 0) - health0) / seconds,
      ackP50Ms: p50s[Math.floor(p50s.length / 2)] ?? -1,
      ackP99Ms: p99s.length ? Math.max(...p99s) : -1,
      fleetCpuPct: (100 * (cpu.user + cpu.system)) / 1e6 / seconds,
      fleetRssMb: peakRss / 2 ** 20,
      fleetHeapMb: peakHeap / 2 ** 20,
      brokerCpuPct: broker0 && broker1 ? (100 * (broker1.cpuS - broker0.cpuS)) / seconds : null,
      brokerRssMb: broker1 ? broker1.rssMb : null,
      rejected,
    };
  } finally {
    await sims.stop();
    await started.stop();
  }
}

describe('fleet at scale', () => {
  it(`holds ${N} boxes sending health and pass batches, embedded aedes and Mosquitto side by side`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resabox-bench-'));
    try {
      const boxes = await makeBoxes(N);
      console.log(
        `fleet-scale: ${N} boxes in ${Math.ceil(N / BOXES_PER_CHILD)} child process(es); health every ${HEALTH_MS / 1000} s per box ` +
          `(real agents: 30 s, so time is compressed ${(30_000 / HEALTH_MS).toFixed(1)}x: the health rate of ${Math.round((N * 30_000) / HEALTH_MS)} boxes); ` +
          `a batch of ${BATCH_SIZE} passes every ${BATCH_MS / 1000} s per box, next batch only after the ack; ${WINDOW_S} s window; machine: 2 shared cores`,
      );
      console.log(`${N} box credentials ready`);
      const results: Figures[] = [];
      for (const kind of ['embedded aedes', 'Mosquitto'] as const) results.push(await run(kind, boxes, dir));
      const rows: [string, (f: Figures) => string][] = [
        ['boxes', (f) => String(f.boxes)],
        ['connections held', (f) => String(f.connectionsHeld)],
        ['connect failures', (f) => String(f.connectFailed)],
        ['connect retries', (f) => String(f.connectRetries)],
        ['connect storm (s)', (f) => f.connectStormS.toFixed(1)],
        ['box connect p50 (ms)', (f) => String(f.boxConnectP50Ms)],
        ['box connect p99 (ms)', (f) => String(f.boxConnectP99Ms)],
        ['passes ingested/s', (f) => f.passesPerS.toFixed(0)],
        ['passes offered/s', (f) => f.passesOfferedPerS.toFixed(0)],
        ['health ingested/s', (f) => f.healthPerS.toFixed(0)],
        ['ack latency p50 (ms)', (f) => String(f.ackP50Ms)],
        ['ack latency max p99 (ms)', (f) => String(f.ackP99Ms)],
        ['fleet CPU (% of 1 core)', (f) => f.fleetCpuPct.toFixed(0)],
        ['fleet RSS peak (MB)', (f) => f.fleetRssMb.toFixed(0)],
        ['fleet heap peak (MB)', (f) => f.fleetHeapMb.toFixed(0)],
        ['broker process CPU (%)', (f) => (f.brokerCpuPct === null ? 'in fleet' : f.brokerCpuPct.toFixed(0))],
        ['broker process RSS (MB)', (f) => (f.brokerRssMb === null ? 'in fleet' : f.brokerRssMb.toFixed(0))],
        ['rejected messages', (f) => String(f.rejected)],
      ];
      const lines = [`${''.padEnd(26)}${results.map((r) => r.broker.padStart(16)).join('')}`, ...rows.map(([name, fmt]) => `${name.padEnd(26)}${results.map((r) => fmt(r).padStart(16)).join('')}`)];
      console.log(lines.join('\n'));
      // Correctness, not speed: every message the simulated boxes sent was valid.
      for (const r of results) expect(r.rejected).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 3_600_000);
});
