import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { currentVersion } from '../../agent/launcher/releases.ts';
import { buildRelease } from '../../cli/release/build.ts';
import { boxFinished, fleetWithLaunchedBox, publishAgentRelease, startRollout } from '../support/launched-box.ts';
import { percentiles } from './percentiles.ts';
import { processMemory } from './proc-stats.ts';

const UPDATES = Number(process.env.UPDATE_DOWNTIME_UPDATES ?? 4);
const BADGE_EVERY_MS = 20;

/**
 * Access downtime during an update with the real agent as a box runs it: the agent and the
 * launcher compiled once here as `resabox release build` compiles them (esbuild, no
 * TypeScript at run time), the compiled launcher process over a box root, and the fleet
 * rolling successive releases of that agent out to it, with a simulated reader, turnstile
 * and printer. A badge is presented every 20 ms all along (unknown badges: each is
 * decided, refused and journaled). The downtime of one update is the longest gap between
 * two consecutive decisions while it runs: the last decision of the old release (its
 * lanes stop when it exits for the switch) to the first decision of the new one (node
 * start-up, agent.mjs, config, devices, lanes). Resolution: the badge period. Also
 * printed: the agent's resident size, sampled every second, and its peak (VmHWM).
 */
it(`measures access downtime over ${UPDATES} updates of the real agent`, async () => {
  const buildDir = await mkdtemp(join(tmpdir(), 'resabox-bench-release-'));
  const compiled = (await buildRelease({ out: join(buildDir, 'release'), version: '0.0.0', hardware: 'rbx-a1' })).dir;
  const env = await fleetWithLaunchedBox('box-downtime', { release: { compiled } });
  const { f, r, box } = env;
  let tag = 100_000;
  const badges = setInterval(() => box.badge(tag++), BADGE_EVERY_MS);
  const rss = { now: 0, peak: 0 };
  const sampler = setInterval(() => {
    const agent = box.agentPid() === null ? null : processMemory(box.agentPid() as number);
    rss.now = Math.max(rss.now, agent?.rssKiB ?? 0);
    rss.peak = Math.max(rss.peak, agent?.hwmKiB ?? 0);
  }, 1000);
  const gaps: number[] = [];
  const versions: string[] = [];
  try {
    for (let i = 1; i <= UPDATES; i++) {
      const version = `1.${i}.0`;
      const name = await publishAgentRelease(f, r, box.root, version, { compiled });
      const startedAt = Date.now();
      const id = await startRollout(f, box.boxId, name, version);
      const row = await boxFinished(f, id, box);
      expect(row.state).toBe('succeeded');
      const during = box.decisions().filter((d) => d.decidedAt >= startedAt).map((d) => d.decidedAt);
      let gap = 0;
      for (let k = 1; k < during.length; k++) gap = Math.max(gap, (during[k] as number) - (during[k - 1] as number));
      gaps.push(gap);
      versions.push(version);
    }
    expect(await currentVersion(box.root)).toBe(`1.${UPDATES}.0`);
  } finally {
    clearInterval(badges);
    clearInterval(sampler);
    await env.close();
    await rm(buildDir, { recursive: true, force: true });
  }
  const [p50, p99] = percentiles(gaps, [50, 99]) as [number, number];
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`[bench] access downtime during an update, compiled agent under the compiled launcher, simulated devices (last decision of the old release -> first decision of the new one; badge every ${BADGE_EVERY_MS} ms; goal <= 1 s p99):`);
  console.log(`[bench]   ${gaps.map((g, i) => `${versions[i]}: ${s(g)}`).join(', ')}`);
  console.log(`[bench]   p50 ${s(p50)}, p99 ${s(p99)}, max ${s(Math.max(...gaps))} over ${gaps.length} updates`);
  console.log(`[bench]   agent RSS (goal <= 100 MB): highest sampled ${(rss.now / 1024).toFixed(1)} MiB, peak (VmHWM) ${(rss.peak / 1024).toFixed(1)} MiB`);
});
