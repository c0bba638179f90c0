import { expect, it } from 'vitest';
import { currentVersion } from '../../agent/launcher/releases.ts';
import { boxFinished, fleetWithLaunchedBox, publishAgentRelease, startRollout } from '../support/launched-box.ts';
import { percentiles } from './percentiles.ts';

const UPDATES = Number(process.env.UPDATE_DOWNTIME_UPDATES ?? 4);
const BADGE_EVERY_MS = 20;

/**
 * Access downtime during an update with the real agent: the fleet rolls successive
 * releases out to a box running bin/resabox-agent.js under the real launcher process, with
 * a simulated reader, turnstile and printer. A badge is presented every 20 ms all along
 * (unknown badges: each is decided, refused and journaled). The downtime of one update is
 * the longest gap between two consecutive decisions while it runs: the last decision of
 * the old release (its lanes stop when it exits for the switch) to the first decision of
 * the new one (node + tsx start-up, config, devices, lanes). Resolution: the badge period.
 */
it(`measures access downtime over ${UPDATES} updates of the real agent`, async () => {
  const env = await fleetWithLaunchedBox('box-downtime');
  const { f, r, box } = env;
  let tag = 100_000;
  const badges = setInterval(() => box.badge(tag++), BADGE_EVERY_MS);
  const gaps: number[] = [];
  const versions: string[] = [];
  try {
    for (let i = 1; i <= UPDATES; i++) {
      const version = `1.${i}.0`;
      const name = await publishAgentRelease(f, r, box.root, version);
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
    await env.close();
  }
  const [p50] = percentiles(gaps, [50]);
  console.log(`[bench] access downtime during an update, real agent under the real launcher, simulated devices (last decision of the old release -> first decision of the new one; badge every ${BADGE_EVERY_MS} ms; goal <= 3 s):`);
  console.log(`[bench]   ${gaps.map((g, i) => `${versions[i]}: ${(g / 1000).toFixed(2)} s`).join(', ')}`);
  console.log(`[bench]   p50 ${((p50 as number) / 1000).toFixed(2)} s, max ${(Math.max(...gaps) / 1000).toFixed(2)} s over ${gaps.length} updates`);
});
