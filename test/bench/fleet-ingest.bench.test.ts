/**
 * Pass ingest of ONE fleet instance with group commit, on SQLite and on PostgreSQL, in one
 * run: simulated boxes (child processes, fleet-sim.ts) send pass batches through Mosquitto,
 * each box its next batch only after the ack of the previous one (the agent's outbox). The
 * broker is anonymous here: its ACL work is Mosquitto's CPU, not the fleet's. PostgreSQL runs
 * with its durable defaults (fsync, synchronous_commit on); SQLite as the fleet opens it (WAL).
 * Figures are printed, CPU per process included; nothing about time is asserted.
 *
 *   INGEST_BENCH_BOXES      boxes (default 1200)
 *   INGEST_BENCH_BATCH_MS   a batch per box every ... ms (default 1000)
 *   INGEST_BENCH_BATCH_SIZE passes per batch (default 10): 1200 boxes offer 12,000 passes/s
 *   INGEST_BENCH_WINDOW_S   measurement window per store (default 30)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createFleet } from '../../fleet/service.ts';
import { openStore } from '../../fleet/store/open-store.ts';
import { silentLogger } from '../../platform/log.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { startPostgres, type PostgresServer } from '../support/postgres.ts';
import { percentiles } from './percentiles.ts';

const BOXES = Number(process.env.INGEST_BENCH_BOXES ?? 1200);
const BATCH_MS = Number(process.env.INGEST_BENCH_BATCH_MS ?? 1000);
const BATCH_SIZE = Number(process.env.INGEST_BENCH_BATCH_SIZE ?? 10);
const WINDOW_S = Number(process.env.INGEST_BENCH_WINDOW_S ?? 30);
const SIM_PROCESSES = 2;
const simScript = fileURLToPath(new URL('./fleet-sim.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds used so far by a process, from /proc (Linux); 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** A process and its children (PostgreSQL: the postmaster and its backends). */
function familyCpuSeconds(root: number): number {
  let total = cpuSeconds(root);
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(f.slice(f.lastIndexOf(')') + 2).split(' ')[1]) === root) total += cpuSeconds(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

interface SimLine {
  connected: number;
  connectMs: number;
  passesSent: number;
  latencies?: number[];
}

function startSims(url: string, dir: string): { children: ChildProcess[]; last: SimLine[]; latencies: number[]; measuring: { on: boolean } } {
  const ids = Array.from({ length: BOXES }, (_, i) => ({ id: `box-${String(i).padStart(5, '0')}`, secret: 'x' }));
  const state = { children: [] as ChildProcess[], last: [] as SimLine[], latencies: [] as number[], measuring: { on: false } };
  const per = Math.ceil(BOXES / SIM_PROCESSES);
  for (let k = 0; k < SIM_PROCESSES; k++) {
    const file = join(dir, `sim-${k}.json`);
    writeFileSync(file, JSON.stringify(ids.slice(k * per, (k + 1) * per)));
    const env = { ...process.env, BENCH_URL: url, BENCH_BOXES_FILE: file, HEALTH_MS: '30000', BATCH_MS: String(BATCH_MS), BATCH_SIZE: String(BATCH_SIZE), RAW_LATENCIES: '1' };
    const child = spawn(process.execPath, ['--import', 'tsx', simScript], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = JSON.parse(buf.slice(0, nl)) as SimLine;
        buf = buf.slice(nl + 1);
        state.last[k] = line;
        if (state.measuring.on) state.latencies.push(...(line.latencies ?? []));
      }
    });
    state.children.push(child);
  }
  return state;
}

interface Figures {
  store: string;
  connected: number;
  passesPerS: number;
  offeredPerS: number;
  ackP50: number;
  ackP99: number;
  fleetCpu: number;
  brokerCpu: number;
  dbCpu: number | null;
  simCpu: number;
  rejected: number;
}

async function run(name: string, storeSpec: string, pg: PostgresServer | undefined, dir: string): Promise<Figures> {
  const seed = await openStore(storeSpec);
  await seed.transaction(async (tx) => {
    for (let i = 0; i < BOXES; i++) await tx.boxes.create({ id: `box-${String(i).padStart(5, '0')}`, status: 'active' }, Date.now());
  });
  await seed.close();
  const mosquitto = await startMosquitto({ writeAuth: () => undefined, conf: ({ port }) => `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 10000\nlog_type error\n` });
  const url = `mqtt://127.0.0.1:${mosquitto.port}`;
  const fleet = await createFleet({ databasePath: storeSpec, broker: { kind: 'external', url, username: '_fleet', password: 'x' }, logger: silentLogger });
  const sims = startSims(url, dir);
  try {
    const t0 = Date.now();
    while (!(sims.last.length === SIM_PROCESSES && sims.last.every((l) => l && l.connectMs >= 0))) {
      if (Date.now() - t0 > 300_000) throw new Error('boxes did not connect within 5 minutes');
      await sleep(500);
    }
    await sleep(BATCH_MS + 2000); // every box has a batch in flight: the steady state
    const pgPid = pg ? Number(readFileSync(join(pg.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]) : undefined;
    const usage = () => ({ fleet: process.cpuUsage(), broker: cpuSeconds(mosquitto.pid), db: pgPid ? familyCpuSeconds(pgPid) : 0, sims: sims.children.reduce((a, c) => a + cpuSeconds(c.pid as number), 0) });
    const u0 = usage();
    const stored0 = fleet.ingest.stats.passesStored;
    const offered0 = sims.last.reduce((a, l) => a + l.passesSent, 0);
    sims.measuring.on = true;
    const w0 = Date.now();
    await sleep(WINDOW_S * 1000);
    sims.measuring.on = false;
    const s = (Date.now() - w0) / 1000;
    const u1 = usage();
    const fleetCpu = process.cpuUsage(u0.fleet);
    const [p50, p99] = percentiles(sims.latencies, [50, 99]);
    return {
      store: name,
      connected: sims.last.reduce((a, l) => a + l.connected, 0),
      passesPerS: (fleet.ingest.stats.passesStored - stored0) / s,
      offeredPerS: (sims.last.reduce((a, l) => a + l.passesSent, 0) - offered0) / s,
      ackP50: p50 as number,
      ackP99: p99 as number,
      fleetCpu: (100 * (fleetCpu.user + fleetCpu.system)) / 1e6 / s,
      brokerCpu: (100 * (u1.broker - u0.broker)) / s,
      dbCpu: pgPid ? (100 * (u1.db - u0.db)) / s : null,
      simCpu: (100 * (u1.sims - u0.sims)) / s,
      rejected: Object.values(fleet.ingest.stats.rejected).reduce((a, b) => a + (b ?? 0), 0),
    };
  } finally {
    await Promise.all(sims.children.map((c) => new Promise<void>((resolve) => (c.exitCode !== null ? resolve() : (c.once('exit', () => resolve()), c.kill('SIGTERM'))))));
    await fleet.close();
    await mosquitto.stop();
  }
}

describe('fleet ingest, group commit', () => {
  it(`one instance ingesting ${BOXES} boxes' pass batches, on SQLite and on PostgreSQL`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resabox-ingest-bench-'));
    const pg = await startPostgres();
    try {
      console.log(`fleet-ingest: ${BOXES} boxes in ${SIM_PROCESSES} simulator processes, a batch of ${BATCH_SIZE} passes every ${BATCH_MS} ms per box (next only after the ack), Mosquitto, ${WINDOW_S} s window per store; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
      const results = [await run('SQLite', join(dir, 'fleet.db'), undefined, dir), await run('PostgreSQL 15', await pg.createDatabase('bench'), pg, dir)];
      const rows: [string, (f: Figures) => string][] = [
        ['boxes connected', (f) => String(f.connected)],
        ['passes offered/s', (f) => f.offeredPerS.toFixed(0)],
        ['passes ingested/s', (f) => f.passesPerS.toFixed(0)],
        ['ack p50 (ms)', (f) => String(f.ackP50)],
        ['ack p99 (ms)', (f) => String(f.ackP99)],
        ['fleet CPU (% of a core)', (f) => f.fleetCpu.toFixed(0)],
        // What a pass costs, whatever share of the cores the loaded machine gave the fleet.
        ['fleet CPU ms/1000 passes', (f) => ((f.fleetCpu * 10) / (f.passesPerS / 1000)).toFixed(0)],
        ['PostgreSQL ms/1000 passes', (f) => (f.dbCpu === null ? '-' : ((f.dbCpu * 10) / (f.passesPerS / 1000)).toFixed(0))],
        ['Mosquitto CPU (%)', (f) => f.brokerCpu.toFixed(0)],
        ['PostgreSQL CPU (%, all)', (f) => (f.dbCpu === null ? 'in fleet' : f.dbCpu.toFixed(0))],
        ['simulators CPU (%, all)', (f) => f.simCpu.toFixed(0)],
        ['rejected messages', (f) => String(f.rejected)],
      ];
      console.log([`${''.padEnd(26)}${results.map((r) => r.store.padStart(16)).join('')}`, ...rows.map(([n, fmt]) => `${n.padEnd(26)}${results.map((r) => fmt(r).padStart(16)).join('')}`)].join('\n'));
      console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
      // Correctness, not speed: every batch the boxes sent was valid.
      for (const r of results) expect(r.rejected).toBe(0);
    } finally {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 1_800_000);
});
