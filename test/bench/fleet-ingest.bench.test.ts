/**
 * Pass ingest as operators run the fleet, in one run: 1 instance on SQLite, then 1, 2 and 3
 * instances on one PostgreSQL sharing the ingest through Mosquitto's shared subscriptions
 * (`resabox-fleet serve --store postgres://... --instance NAME`), then 10,000 boxes across
 * the 3 instances. Every fleet instance, the simulated boxes (fleet-sim.ts), Mosquitto and
 * PostgreSQL are processes of their own, so the CPU of each is read from /proc. Each box
 * sends its next batch only after the ack of the previous one (the agent's outbox). The
 * broker is anonymous here (its ACL work is Mosquitto's CPU, not the fleet's) and fresh for
 * each configuration; PostgreSQL keeps its durable defaults (fsync, synchronous_commit on);
 * SQLite runs as the fleet opens it (WAL). Figures are printed; nothing about time is asserted.
 *
 *   INGEST_BENCH_BOXES       boxes of the throughput configurations (default 1200)
 *   INGEST_BENCH_BATCH_MS    a batch per box every ... ms (default 1000)
 *   INGEST_BENCH_BATCH_SIZE  passes per batch (default 10): 1200 boxes offer 12,000 passes/s
 *   INGEST_BENCH_WINDOW_S    measurement window per configuration (default 30)
 *   INGEST_BENCH_BIG_BOXES   boxes of the last configuration (default 10000), a batch of
 *   INGEST_BENCH_BIG_BATCH   passes (default 3) every 10 s per box, window 40 s
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startMosquitto } from '../support/mosquitto.ts';
import { startPostgres, type PostgresServer } from '../support/postgres.ts';
import { stopChildren } from './bench-fleet.ts';
import { ingestCounters, seedBoxes, startInstances, startSims, stopInstances, type IngestCounters, type SimLoad } from './bench-cluster.ts';
import { percentiles } from './percentiles.ts';
import { cpuSeconds, familyCpuSeconds } from './proc-stats.ts';

const BOXES = Number(process.env.INGEST_BENCH_BOXES ?? 1200);
const BATCH_MS = Number(process.env.INGEST_BENCH_BATCH_MS ?? 1000);
const BATCH_SIZE = Number(process.env.INGEST_BENCH_BATCH_SIZE ?? 10);
const WINDOW_S = Number(process.env.INGEST_BENCH_WINDOW_S ?? 30);
const BIG_BOXES = Number(process.env.INGEST_BENCH_BIG_BOXES ?? 10_000);
const BIG_BATCH = Number(process.env.INGEST_BENCH_BIG_BATCH ?? 3);
/** Health every 30 s per box, as agents send it. */
const HEALTH_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

interface Config {
  readonly name: string;
  readonly postgres: boolean;
  readonly instances: readonly string[];
  readonly boxes: number;
  readonly load: SimLoad;
  readonly windowS: number;
}

const sims = (boxes: number) => Math.max(2, Math.ceil(boxes / 5000));
const steady: SimLoad = { processes: sims(BOXES), batchMs: BATCH_MS, batchSize: BATCH_SIZE, healthMs: HEALTH_MS };
const CONFIGS: Config[] = [
  { name: 'SQLite x1', postgres: false, instances: ['a'], boxes: BOXES, load: steady, windowS: WINDOW_S },
  { name: 'PG x1', postgres: true, instances: ['a'], boxes: BOXES, load: steady, windowS: WINDOW_S },
  { name: 'PG x2', postgres: true, instances: ['a', 'b'], boxes: BOXES, load: steady, windowS: WINDOW_S },
  { name: 'PG x3', postgres: true, instances: ['a', 'b', 'c'], boxes: BOXES, load: steady, windowS: WINDOW_S },
  { name: `PG x3, ${BIG_BOXES} boxes`, postgres: true, instances: ['a', 'b', 'c'], boxes: BIG_BOXES, load: { processes: sims(BIG_BOXES), batchMs: 10_000, batchSize: BIG_BATCH, healthMs: HEALTH_MS }, windowS: 40 },
];

interface Figures {
  connected: number;
  connectS: number;
  offeredPerS: number;
  ingestedPerS: number;
  ackP50: number;
  ackP99: number;
  instanceCpu: number[];
  messages: number[];
  brokerCpu: number;
  dbCpu: number | null;
  simCpu: number;
  seen: number;
  load1: number;
  rejected: number;
}

/** Boxes with passes in the store (a fresh one per configuration): the instances between them served every box. */
async function boxesServed(spec: string): Promise<number> {
  const query = 'SELECT count(DISTINCT box_id) AS n FROM passes';
  if (!spec.startsWith('postgres://')) {
    const db = new Database(spec, { readonly: true });
    try {
      return (db.prepare(query).get() as { n: number }).n;
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: spec });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>(query)).rows[0]?.n);
  } finally {
    await c.end();
  }
}

async function measure(cfg: Config, index: number, pgServer: PostgresServer, root: string): Promise<Figures> {
  const dir = join(root, `config-${index}`);
  mkdirSync(dir);
  const spec = cfg.postgres ? await pgServer.createDatabase(`bench${index}`) : join(dir, 'fleet.db');
  await seedBoxes(spec, cfg.boxes);
  const mosquitto = await startMosquitto({
    maxOpenFiles: 65536,
    writeAuth: () => undefined,
    conf: ({ port }) => `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_connections -1\nmax_queued_messages 10000\nlog_type error\n`,
  });
  const url = `mqtt://127.0.0.1:${mosquitto.port}`;
  const instances = await startInstances(cfg.instances, ['--data-dir', dir, '--store', spec, '--http-host', '127.0.0.1', '--http-port', '0', '--broker-url', url], cfg.postgres);
  const boxes = startSims(url, cfg.boxes, dir, cfg.load);
  try {
    for (const t0 = Date.now(); !boxes.connected(); await sleep(500)) if (Date.now() - t0 > 600_000) throw new Error('boxes did not connect within 10 minutes');
    const connectS = Math.max(...boxes.last.map((l) => l.connectMs)) / 1000;
    await sleep(cfg.load.batchMs + 2000); // every box has a batch in flight: the steady state
    const pgPid = cfg.postgres ? Number(readFileSync(join(pgServer.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]) : undefined;
    const usage = () => ({
      instances: instances.map((i) => cpuSeconds(i.instance.child.pid as number)),
      broker: cpuSeconds(mosquitto.pid),
      db: pgPid ? familyCpuSeconds(pgPid) : 0,
      sims: sum(boxes.children.map((c) => cpuSeconds(c.pid as number))),
    });
    const counters = () => Promise.all(instances.map((i) => ingestCounters(i.url)));
    const c0 = await counters();
    const u0 = usage();
    const offered0 = sum(boxes.last.map((l) => l.passesSent));
    boxes.measuring.on = true;
    const w0 = Date.now();
    await sleep(cfg.windowS * 1000);
    boxes.measuring.on = false;
    const s = (Date.now() - w0) / 1000;
    const u1 = usage();
    const c1 = await counters();
    const delta = (k: keyof IngestCounters) => c1.map((c, i) => c[k] - (c0[i] as IngestCounters)[k]);
    const [p50, p99] = percentiles(boxes.latencies, [50, 99]);
    return {
      connected: sum(boxes.last.map((l) => l.connected)),
      connectS,
      offeredPerS: (sum(boxes.last.map((l) => l.passesSent)) - offered0) / s,
      ingestedPerS: sum(delta('passesStored')) / s,
      ackP50: p50 as number,
      ackP99: p99 as number,
      instanceCpu: u1.instances.map((c, i) => (100 * (c - (u0.instances[i] as number))) / s),
      messages: delta('messages'),
      brokerCpu: (100 * (u1.broker - u0.broker)) / s,
      dbCpu: pgPid ? (100 * (u1.db - u0.db)) / s : null,
      simCpu: (100 * (u1.sims - u0.sims)) / s,
      seen: await boxesServed(spec),
      load1: loadavg()[0] as number,
      rejected: sum(delta('rejected')),
    };
  } finally {
    await stopChildren(boxes.children);
    await stopInstances(instances);
    await mosquitto.stop();
  }
}

const fixed = (n: number) => n.toFixed(0);
const ROWS: [string, (f: Figures) => string][] = [
  ['boxes connected', (f) => String(f.connected)],
  ['connect time (s)', (f) => f.connectS.toFixed(1)],
  ['boxes with passes stored', (f) => String(f.seen)],
  ['passes offered/s', (f) => fixed(f.offeredPerS)],
  ['passes ingested/s', (f) => fixed(f.ingestedPerS)],
  ['ack p50 (ms)', (f) => String(f.ackP50)],
  ['ack p99 (ms)', (f) => String(f.ackP99)],
  ['fleet CPU % per instance', (f) => f.instanceCpu.map(fixed).join('/')],
  // What a pass costs, whatever share of the cores the machine gave the instances.
  ['fleet CPU ms/1000 passes', (f) => fixed((sum(f.instanceCpu) * 10) / (f.ingestedPerS / 1000))],
  ['messages per instance', (f) => f.messages.join('/')],
  ['Mosquitto CPU (%)', (f) => fixed(f.brokerCpu)],
  ['PostgreSQL CPU (%, all)', (f) => (f.dbCpu === null ? 'in fleet' : fixed(f.dbCpu))],
  ['simulators CPU (%, all)', (f) => fixed(f.simCpu)],
  ['load average (1 min)', (f) => f.load1.toFixed(2)],
  ['rejected messages', (f) => String(f.rejected)],
];

describe('fleet ingest: one instance on SQLite; 1, 2, 3 instances on PostgreSQL; 10,000 boxes', () => {
  it('prints passes/s, ack latency and CPU per process for each configuration', async () => {
    const root = mkdtempSync(join(tmpdir(), 'resabox-ingest-bench-'));
    const pgServer = await startPostgres();
    try {
      console.log(
        `fleet-ingest: ${BOXES} boxes in ${steady.processes} simulator processes, a batch of ${BATCH_SIZE} passes every ${BATCH_MS} ms per box (next only after the ack), ` +
          `${WINDOW_S} s window; then ${BIG_BOXES} boxes, a batch of ${BIG_BATCH} every 10 s, 40 s window; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      );
      const results: Figures[] = [];
      for (const [i, cfg] of CONFIGS.entries()) results.push(await measure(cfg, i, pgServer, root));
      const width = 22;
      console.log(
        [
          `${''.padEnd(26)}${CONFIGS.map((c) => c.name.padStart(width)).join('')}`,
          ...ROWS.map(([n, fmt]) => `${n.padEnd(26)}${results.map((r) => fmt(r).padStart(width)).join('')}`),
          `# This machine has ${availableParallelism()} cores: the instances, PostgreSQL, Mosquitto and the simulators share them, so with 2 and 3 instances the`,
          '# figures are bound by the machine, not by the fleet (add the CPU rows up); "messages per instance" shows each instance\'s share.',
        ].join('\n'),
      );
      console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
      // Correctness, not speed: every message the boxes sent was valid, and every box was served.
      for (const [i, r] of results.entries()) {
        expect(r.rejected, CONFIGS[i]?.name).toBe(0);
        expect(r.seen, CONFIGS[i]?.name).toBe(CONFIGS[i]?.boxes);
      }
    } finally {
      await pgServer.stop();
      rmSync(root, { recursive: true, force: true });
    }
  }, 3_600_000);
});
