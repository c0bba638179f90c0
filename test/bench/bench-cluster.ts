/**
 * Parts of the ingest benchmark that run as the product runs: fleet instances as
 * `resabox-fleet serve` child processes (the fault test's starter), simulated boxes in
 * child processes of their own (fleet-sim.ts), and each instance's own ingest counters read
 * from its /metrics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../fleet/store/open-store.ts';
import { startInstance, type Instance } from '../fault/support/cluster.ts';

const simScript = fileURLToPath(new URL('./fleet-sim.ts', import.meta.url));

export const boxId = (i: number) => `box-${String(i).padStart(5, '0')}`;

/** `n` active boxes in a new store (SQLite file or PostgreSQL database); migrations run on open. */
export async function seedBoxes(spec: string, n: number): Promise<void> {
  const store = await openStore(spec);
  try {
    await store.transaction(async (tx) => {
      for (let i = 0; i < n; i++) await tx.boxes.create({ id: boxId(i), status: 'active' }, Date.now());
    });
  } finally {
    await store.close();
  }
}

/** Instances by name, each ready on /readyz; `clustered` false: one lone fleet (SQLite). */
export async function startInstances(names: readonly string[], args: readonly string[], clustered: boolean): Promise<{ instance: Instance; url: string }[]> {
  const started = names.map((name) => startInstance(name, [...args], { LOG_LEVEL: 'warn', RESABOX_FLEET_BROKER_PASSWORD: 'x' }, clustered));
  const out: { instance: Instance; url: string }[] = [];
  for (const instance of started) {
    const url = await instance.url;
    for (let t0 = Date.now(); (await fetch(`${url}/readyz`).then((r) => r.status).catch(() => 0)) !== 200; ) {
      if (Date.now() - t0 > 120_000) throw new Error(`${instance.name} not ready: ${instance.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    out.push({ instance, url });
  }
  return out;
}

/** Stops instances with SIGTERM (a clean stop commits and acks what is queued). */
export async function stopInstances(list: readonly { instance: Instance }[]): Promise<void> {
  await Promise.all(
    list.map(({ instance }) => {
      if (instance.child.exitCode === null) instance.child.kill('SIGTERM');
      const t = setTimeout(() => instance.child.kill('SIGKILL'), 15_000);
      return instance.exited.finally(() => clearTimeout(t));
    }),
  );
}

export interface IngestCounters {
  passesStored: number;
  messages: number;
  rejected: number;
}

/** This instance's own ingest counters (fleet/api/metrics.ts). */
export async function ingestCounters(url: string): Promise<IngestCounters> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`)).reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return { passesStored: sum('fleet_ingest_passes_stored_total'), messages: sum('fleet_ingest_messages_total'), rejected: sum('fleet_ingest_rejected_total') };
}

export interface SimLine {
  connected: number;
  connectMs: number;
  connectFailed: number;
  passesSent: number;
  latencies?: number[];
}

export interface Sims {
  readonly children: ChildProcess[];
  /** Each process's last line of counters. */
  readonly last: SimLine[];
  /** Ack latencies gathered while `measuring.on`. */
  readonly latencies: number[];
  readonly measuring: { on: boolean };
  /** All processes connected their boxes (or gave up on some). */
  connected(): boolean;
}

export interface SimLoad {
  readonly processes: number;
  readonly batchMs: number;
  readonly batchSize: number;
  readonly healthMs: number;
}

/** Boxes 0..n-1 split over `processes` simulators; each box sends its next batch only after the ack of the last one. */
export function startSims(url: string, n: number, dir: string, load: SimLoad): Sims {
  const per = Math.ceil(n / load.processes);
  const sims: Sims = {
    children: [],
    last: [],
    latencies: [],
    measuring: { on: false },
    connected: () => sims.last.length === load.processes && sims.last.every((l) => l !== undefined && l.connectMs >= 0),
  };
  for (let k = 0; k < load.processes; k++) {
    const file = join(dir, `sim-${k}.json`);
    const ids = Array.from({ length: Math.max(0, Math.min(per, n - k * per)) }, (_, i) => ({ id: boxId(k * per + i), secret: 'x' }));
    writeFileSync(file, JSON.stringify(ids));
    const env = { ...process.env, BENCH_URL: url, BENCH_BOXES_FILE: file, HEALTH_MS: String(load.healthMs), BATCH_MS: String(load.batchMs), BATCH_SIZE: String(load.batchSize), RAW_LATENCIES: '1' };
    // A few thousand MQTT connections per process: more descriptors than the default soft limit.
    const child = spawn('bash', ['-c', `ulimit -n 65536 2>/dev/null || true; exec ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(simScript)}`], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = JSON.parse(buf.slice(0, nl)) as SimLine;
        buf = buf.slice(nl + 1);
        sims.last[k] = line;
        if (sims.measuring.on) for (const l of line.latencies ?? []) sims.latencies.push(l);
      }
    });
    sims.children.push(child);
  }
  return sims;
}
