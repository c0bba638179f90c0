import { join } from 'node:path';
import { expect, it } from 'vitest';
import { resabox } from '../support/demo-journey.ts';
import { demoApi, startDemo, waitAllBoxesOnline, type DemoProcess } from '../support/demo-process.ts';
import { journaledPasses, launcherHealth } from './demo-box.ts';
import { percentiles } from './percentiles.ts';
import { processStartedAt, processMemory } from './proc-stats.ts';

const UPDATES = Number(process.env.DEMO_UPDATE_BENCH_UPDATES ?? 3);
const PROBE_MS = 25;
const BOXES = ['lyon-01', 'lyon-02', 'nantes-01'];

/*
 * The update journey on `npm start`, measured: every box a compiled release under its
 * launcher, as production runs it. An unknown badge is presented at every box's entry
 * reader every 25 ms (RESABOX_DEMO_PROBE_MS; each is decided, refused and journaled), and
 * support publishes then rolls out successive releases with the commands of
 * docs/updates.md (waves compressed: a canary then 100 %, a 5 s trial). Printed:
 * - publish -> every box on the release: `release publish` (compile, pack, upload, sign)
 *   until the API shows all boxes running it;
 * - access downtime per box and update: the longest gap between two decisions of the box
 *   while the rollout ran (the switch: old agent stops, new one starts); resolution 25 ms;
 * - start-to-ready of each agent started: process start -> first decision, and -> the
 *   self-test passed (devices, journal, broker) that the launcher judges the trial by;
 * - agent RSS: the highest resident size sampled every second, and the peak (VmHWM).
 * Asserts only that every update landed.
 */
it(`publishes ${UPDATES} releases to the demo boxes and measures each switch`, async () => {
  const demo = await startDemo({ env: { RESABOX_DEMO_ACTIVITY_MS: '0', RESABOX_DEMO_PROBE_MS: String(PROBE_MS), RESABOX_DEMO_TRIAL_S: '5', RESABOX_DEMO_HEALTH_TIMEOUT_S: '60' } });
  const publishToAll: string[] = [];
  const downtimes: number[] = [];
  const ready: { decision: number; selfTest: number }[] = [];
  const rss = { now: 0, peak: 0, launcher: 0 };
  const sampler = setInterval(() => {
    for (const box of BOXES) {
      const h = launcherHealth(demo, box);
      const agent = h && processMemory(h.pid);
      if (!agent) continue;
      rss.now = Math.max(rss.now, agent.rssKiB);
      rss.peak = Math.max(rss.peak, agent.hwmKiB);
      rss.launcher = Math.max(rss.launcher, processMemory(agent.ppid)?.rssKiB ?? 0);
    }
  }, 1000);
  try {
    await waitAllBoxesOnline(demo, 3);
    for (const box of BOXES) ready.push(await startToReady(demo, box));
    for (let i = 1; i <= UPDATES; i++) {
      const version = `0.${i + 1}.0`;
      const t0 = Date.now();
      const published = await resabox(demo, ['release', 'publish', '--keys', join(demo.dataDir, 'keys'), '--version', version, '--hardware', 'rbx-demo', '--json']);
      expect(published.code, published.stderr).toBe(0);
      const { targetName } = JSON.parse(published.stdout) as { targetName: string };
      const t1 = Date.now();
      const created = await resabox(demo, ['rollout', 'create', '--name', `Bench ${version}`, '--version', version, '--artifact', targetName, '--hardware', 'rbx-demo', '--tag', 'demo', '--canary', '1', '--waves', '100', '--error-threshold', '10', '--start', '--ticket', 'BENCH-1', '--json']);
      expect(created.code, created.stderr).toBe(0);
      const watched = await resabox(demo, ['rollout', 'watch', (JSON.parse(created.stdout) as { id: string }).id, '--interval', '1']);
      expect(watched.code, watched.stdout).toBe(0);
      const { boxes } = await demoApi<{ boxes: { agentVersion: string }[] }>(demo, '/v1/boxes?status=active');
      expect(boxes.map((b) => b.agentVersion)).toEqual(BOXES.map(() => version));
      const t2 = Date.now();
      publishToAll.push(`${version}: ${((t2 - t0) / 1000).toFixed(1)} s (publish ${((t1 - t0) / 1000).toFixed(1)} s, rollout ${((t2 - t1) / 1000).toFixed(1)} s)`);
      for (const box of BOXES) {
        downtimes.push(longestGap(decisionTimes(demo, box, t1, t2)));
        ready.push(await startToReady(demo, box));
      }
    }
  } finally {
    clearInterval(sampler);
    await demo.stop();
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const [d50, d99] = percentiles(downtimes, [50, 99]) as [number, number];
  // The first starts are the demo's cold start (three boxes and the fleet at once); the others follow a switch.
  const cold = ready.slice(0, BOXES.length);
  const switched = ready.slice(BOXES.length);
  const starts = (rs: typeof ready, k: 'decision' | 'selfTest') => {
    const [p50, p99] = percentiles(rs.map((r) => r[k]), [50, 99]) as [number, number];
    return `p50 ${s(p50)}, p99 ${s(p99)}, max ${s(Math.max(...rs.map((r) => r[k])))} over ${rs.length}`;
  };
  console.log(`[bench] demo update journey: ${BOXES.length} boxes, compiled releases under the real launcher, a badge at every box every ${PROBE_MS} ms`);
  console.log(`[bench]   publish -> every box on the release (canary then 100 %, 5 s trial): ${publishToAll.join('; ')}`);
  console.log(`[bench]   access downtime per box and update (goal <= 1 s p99): p50 ${s(d50)}, p99 ${s(d99)}, max ${s(Math.max(...downtimes))} over ${downtimes.length} switches [${downtimes.map(s).join(', ')}]`);
  console.log(`[bench]   agent start -> first decision (goal <= 2 s): after a switch ${starts(switched, 'decision')}; demo cold start ${starts(cold, 'decision')}`);
  console.log(`[bench]   agent start -> self-test passed (devices, journal, broker): after a switch ${starts(switched, 'selfTest')}; demo cold start ${starts(cold, 'selfTest')}`);
  console.log(`[bench]   agent RSS (goal <= 100 MB): highest sampled ${(rss.now / 1024).toFixed(1)} MiB, peak (VmHWM) ${(rss.peak / 1024).toFixed(1)} MiB; launcher ${(rss.launcher / 1024).toFixed(1)} MiB`);
});

/** When a box's running agent started, and how long until its first decision and its passed self-test. */
async function startToReady(demo: DemoProcess, box: string): Promise<{ decision: number; selfTest: number }> {
  for (let i = 0; i < 600; i++) {
    const h = launcherHealth(demo, box);
    const started = h?.ok ? processStartedAt(h.pid) : null;
    const first = started === null ? undefined : decisionTimes(demo, box, started, Date.now())[0];
    if (h && started !== null && first !== undefined) return { decision: first - started, selfTest: h.ts - started };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${box}: no healthy agent with a decision after 60 s`);
}

/** The decision instants a box journaled between two wall-clock instants. */
function decisionTimes(demo: DemoProcess, box: string, from: number, to: number): number[] {
  return journaledPasses(demo, box, from - 60_000)
    .map((p) => p.decidedAt)
    .filter((t) => t >= from && t <= to);
}

function longestGap(times: readonly number[]): number {
  let gap = 0;
  for (let k = 1; k < times.length; k++) gap = Math.max(gap, (times[k] as number) - (times[k - 1] as number));
  return gap;
}
