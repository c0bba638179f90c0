import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { expect, it } from 'vitest';
import { startDemo, waitAllBoxesOnline, type DemoProcess } from '../support/demo-process.ts';
import { waitForValue } from '../support/wait-for.ts';
import { journaledPasses, launcherHealth } from './demo-box.ts';
import { percentiles } from './percentiles.ts';
import { cpuSeconds, processMemory, residentBreakdown } from './proc-stats.ts';

const MINUTES = Number(process.env.AGENT_MEMORY_BENCH_MINUTES ?? 15);
const PROBE_MS = Number(process.env.AGENT_MEMORY_BENCH_PROBE_MS ?? 25);
const SAMPLE_MS = 5000;
/** AGENT_MEMORY_BENCH_OPTIMIZE=1: the agents with V8's optimizing compiler (the launcher's --agent-optimize), to compare. */
const OPTIMIZE = process.env.AGENT_MEMORY_BENCH_OPTIMIZE === '1';
const BOXES = ['lyon-01', 'lyon-02', 'nantes-01'];

/*
 * The agent's memory over a sustained load, on `npm start`: every box runs its compiled
 * release under the real launcher, with the node flags the launcher gives it in production.
 * An unknown badge is presented at every box's entry reader every 25 ms (40 decisions a
 * second per box, each decided, refused, journaled and sent to the fleet: far above a
 * club's peak, so that a day of a club's traffic goes by in minutes) for 15 minutes
 * (AGENT_MEMORY_BENCH_MINUTES). Every 5 s each agent's memory is read from /proc:
 * - RSS (VmRSS), what `top` shows, and its peak (VmHWM);
 * - of it, the private anonymous memory (the JS heap, malloc, stacks: the agent's own) and
 *   the node executable's pages (shared with every node process of the box, the launcher's
 *   too; the kernel may drop and re-read them, they are file pages);
 * - PSS, the box's memory the agent accounts for when shared pages are split.
 * Printed: the highest RSS per minute (does it level off?), the peaks, the decision latency
 * the agent journaled (credential in -> decision) and its CPU. Asserts only that the boxes decided.
 */
it(`holds each agent's memory over ${MINUTES} min of a badge every ${PROBE_MS} ms at every box`, { timeout: (MINUTES + 5) * 60_000 }, async () => {
  const load0 = loadavg();
  const demo = await startDemo({ env: { RESABOX_DEMO_ACTIVITY_MS: '0', RESABOX_DEMO_PROBE_MS: String(PROBE_MS), RESABOX_DEMO_AGENT_OPTIMIZE: OPTIMIZE ? '1' : '0' } });
  const perMinute: { rss: number; anon: number; node: number; pss: number }[] = [];
  const peak = { rss: 0, hwm: 0, anon: 0, pss: 0, node: 0 };
  const cpu = new Map<number, { first: number; last: number; at0: number; at1: number }>();
  let started = 0;
  let ended = 0;
  let latencies: number[] = [];
  try {
    await waitAllBoxesOnline(demo, 3);
    // The agents run with the flags of the mode measured.
    // (An agent's health record comes with its passed self-test, which can follow the box's coming online.)
    for (const box of BOXES) {
      const { pid } = await waitForValue(async () => launcherHealth(demo, box) ?? undefined, 60_000, `${box}'s agent health record`);
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'), box).toEqual(OPTIMIZE ? expect.not.arrayContaining(['--no-opt']) : expect.arrayContaining(['--no-opt']));
    }
    started = Date.now();
    while (Date.now() - started < MINUTES * 60_000) {
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
      const minute = Math.min(MINUTES - 1, Math.floor((Date.now() - started) / 60_000));
      for (const box of BOXES) {
        const pid = agentPid(demo, box);
        const m = pid === null ? null : memoryOf(pid);
        if (pid === null || m === null) continue;
        const row = (perMinute[minute] ??= { rss: 0, anon: 0, node: 0, pss: 0 });
        row.rss = Math.max(row.rss, m.rss);
        row.anon = Math.max(row.anon, m.anon);
        row.node = Math.max(row.node, m.node);
        row.pss = Math.max(row.pss, m.pss);
        for (const k of ['rss', 'hwm', 'anon', 'pss', 'node'] as const) peak[k] = Math.max(peak[k], m[k]);
        const c = cpu.get(pid);
        const now = Date.now();
        if (c) Object.assign(c, { last: cpuSeconds(pid), at1: now });
        else cpu.set(pid, { first: cpuSeconds(pid), last: cpuSeconds(pid), at0: now, at1: now });
      }
    }
    ended = Date.now();
    latencies = BOXES.flatMap((box) => decisionLatencies(demo, box, started, ended));
  } finally {
    await demo.stop();
  }
  expect(latencies.length).toBeGreaterThan(0);
  const [l50, l99] = percentiles(latencies, [50, 99]) as [number, number];
  const cpuShare = [...cpu.values()].filter((c) => c.at1 > c.at0).map((c) => (100 * (c.last - c.first)) / ((c.at1 - c.at0) / 1000));
  const mib = (kib: number) => (kib / 1024).toFixed(1);
  const mb = (kib: number) => ((kib * 1024) / 1e6).toFixed(1);
  const half = Math.floor(perMinute.length / 2);
  const firstHalf = Math.max(0, ...perMinute.slice(0, half).map((r) => r?.rss ?? 0));
  const secondHalf = Math.max(...perMinute.slice(half).map((r) => r?.rss ?? 0));
  console.log(`[bench] agent memory: ${BOXES.length} boxes on npm start, compiled releases under the real launcher ${OPTIMIZE ? 'with --agent-optimize' : '(production flags, no optimizing compiler)'}, a badge at every box every ${PROBE_MS} ms for ${MINUTES} min; load ${load0.map((l) => l.toFixed(2)).join(' ')} before, ${loadavg().map((l) => l.toFixed(2)).join(' ')} after`);
  console.log('[bench]   minute  RSS MiB (max of the boxes)  private anon MiB  node executable MiB  PSS MiB');
  perMinute.forEach((r, i) => r && console.log(`[bench]   ${String(i + 1).padStart(6)}  ${mib(r.rss).padStart(26)}  ${mib(r.anon).padStart(16)}  ${mib(r.node).padStart(19)}  ${mib(r.pss).padStart(7)}`));
  console.log(`[bench]   agent RSS (goal <= 100 MB): highest sampled ${mib(peak.rss)} MiB = ${mb(peak.rss)} MB, peak (VmHWM) ${mib(peak.hwm)} MiB = ${mb(peak.hwm)} MB; highest in the first half ${mib(firstHalf)} MiB, in the second half ${mib(secondHalf)} MiB`);
  console.log(`[bench]   of it at most: private anonymous ${mib(peak.anon)} MiB, node executable pages ${mib(peak.node)} MiB; PSS at most ${mib(peak.pss)} MiB`);
  console.log(`[bench]   decisions journaled: ${latencies.length}; latency credential -> decision p50 ${l50} us, p99 ${l99} us; agent CPU ${cpuShare.map((c) => `${c.toFixed(0)} %`).join(', ')} of a core`);
});

/** The running agent's pid, from its launcher's health record. */
const agentPid = (demo: DemoProcess, box: string): number | null => launcherHealth(demo, box)?.pid ?? null;

/** KiB: VmRSS, VmHWM, private anonymous memory, the node executable's resident pages, PSS. */
function memoryOf(pid: number): { rss: number; hwm: number; anon: number; node: number; pss: number } | null {
  const m = processMemory(pid);
  const b = residentBreakdown(pid);
  return m && b && { rss: m.rssKiB, hwm: m.hwmKiB, anon: b.anonKiB, node: b.exeKiB, pss: b.pssKiB };
}

/** The decision latencies (us) a box journaled between two instants. */
function decisionLatencies(demo: DemoProcess, box: string, from: number, to: number): number[] {
  return journaledPasses(demo, box, from)
    .filter((p) => p.ts <= to)
    .map((p) => p.latencyUs)
    .filter((l): l is number => typeof l === 'number');
}
