import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { PassJournal } from '../../agent/journal/pass-journal.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { decide, rightsViewOf } from '../../agent/access/index.ts';
import type { Explanation } from '../../agent/access/index.ts';
import { badge, credential, emptyData, entryLane, gymZone, member, subscription } from '../../agent/access/rights-fixtures.ts';
import { emptyDecisionState } from '../../agent/access/state.ts';
import { samplePass } from '../support/pass-fixtures.ts';
import { percentiles } from './percentiles.ts';

/**
 * Durable appends per second through group commit, on a real SQLite file (WAL,
 * synchronous=FULL: one fsync per group), and the latency from append() to its promise
 * resolving (= the commit that carries it returned).
 */
const dir = mkdtempSync(join(tmpdir(), 'journal-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tick = () => new Promise<void>((r) => setImmediate(r));

interface Load {
  readonly name: string;
  /** Appends issued per event-loop turn (saturated), or the arrival rate per second (paced). */
  readonly total: number;
  readonly ratePerSecond?: number;
  readonly groupMaxRows: number;
  /** 0 = commit at the next event-loop turn. */
  readonly windowMs: number;
  /** Every pass carries this decision explanation (the worst case: every pass a refusal). */
  readonly explanation?: Explanation;
}

/** A real refusal's explanation: a subscription that ended, in a club with opening hours. */
function endedSubscriptionExplanation(): Explanation {
  const now = Date.UTC(2026, 5, 10, 8);
  const records = { ...emptyData(), members: [member('m1')], credentials: [credential('c1', 'm1', 'badge', '1001')], zones: [gymZone()], rights: [subscription('r1', 'm1', ['gym'], { validTo: now - 86_400_000 })] };
  const explanation = decide(badge('1001'), entryLane(), now, emptyDecisionState(rightsViewOf(42, records))).explanation;
  if (explanation === undefined) throw new Error('a refusal carries its explanation');
  return explanation;
}

/**
 * Paced runs issue appends on a wall-clock schedule (as many as are due at each turn of
 * the event loop), so a slow commit does not slow the arrivals down: it shows up as latency.
 */
async function run(load: Load): Promise<void> {
  const journal = new PassJournal({ path: join(dir, `${load.name}.db`), clock: systemClock, logger: silentLogger, groupMaxRows: load.groupMaxRows, groupWindowMs: load.windowMs });
  const latencies: number[] = [];
  const pending: Promise<unknown>[] = [];
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let sent = 0;
  while (sent < load.total) {
    const due = load.ratePerSecond === undefined ? sent + 1000 : Math.floor(((performance.now() - started) / 1000) * load.ratePerSecond);
    for (; sent < Math.min(due, load.total); sent++) {
      const t0 = performance.now();
      const pass = samplePass(load.explanation ? { ts: Date.now(), outcome: 'denied', reason: 'outside-validity', explanation: load.explanation } : { ts: Date.now() });
      pending.push(journal.append(pass).then(() => latencies.push(performance.now() - t0)));
    }
    await tick();
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  // On a loaded machine the wall-clock rate is mostly CPU starvation; appends per CPU-second of this process is what the code costs.
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const commits = journal.stats().lastSeq;
  journal.close();
  const [p50, p99, max] = percentiles(latencies, [50, 99, 100]).map((v) => v.toFixed(2));
  console.log(
    `journal ${load.name}${load.explanation ? ` (each with a ${JSON.stringify(load.explanation).length}-byte explanation)` : ''}: ${commits} durable appends in ${seconds.toFixed(2)} s = ${Math.round(load.total / seconds)} appends/s, ${Math.round(load.total / cpuSeconds)} per CPU-second ` +
      `(group <= ${load.groupMaxRows} rows, window ${load.windowMs === 0 ? 'next loop turn' : `${load.windowMs} ms`}); append->commit ms p50 ${p50} p99 ${p99} max ${max}; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs`,
  );
}

describe('pass journal throughput (group commit, WAL, synchronous=FULL)', () => {
  for (const windowMs of [0, 2]) {
    it(`saturated: 1000 appends issued per event-loop turn, window ${windowMs}`, async () => {
      await run({ name: `saturated-w${windowMs}`, total: 100_000, groupMaxRows: 1024, windowMs });
    });

    it(`paced: a steady 20,000 appends/s arrival rate for 3 s, window ${windowMs}`, async () => {
      await run({ name: `paced-20k-w${windowMs}`, total: 60_000, ratePerSecond: 20_000, groupMaxRows: 1024, windowMs });
    });
  }

  it('explanations on: saturated and paced at 20,000 appends/s, every pass explained, window 0', async () => {
    const explanation = endedSubscriptionExplanation();
    await run({ name: 'saturated-w0-explained', total: 100_000, groupMaxRows: 1024, windowMs: 0, explanation });
    await run({ name: 'paced-20k-w0-explained', total: 60_000, ratePerSecond: 20_000, groupMaxRows: 1024, windowMs: 0, explanation });
  });
});
