import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { Launcher } from '../../agent/launcher/launcher.ts';
import { startRepoServer } from '../support/repo-server.ts';
import { makeRepository } from '../support/update-fixtures.ts';
import { currentIsIntact, installJob, makeBoxRoot, publishFakeRelease, published, sendJob, waitFor } from '../support/box-root.ts';

/**
 * Access downtime during an update: the time between the old agent's last served badge
 * and the new agent's first, when the launcher switches releases. Both releases are fake
 * agents (real update machine, real launcher) that serve a badge every 5 ms from start-up;
 * the new one's start-up is node + tsx + the update modules, not the full agent with its
 * devices, so the real agent's device start-up adds to these figures.
 */
it('measures access downtime across three successive updates', async () => {
  const r = await makeRepository();
  const server = await startRepoServer(r.repo);
  const root = await makeBoxRoot(r, '1.0.0', { serveBadges: true });
  const launcher = new Launcher({ root, clock: systemClock, log: silentLogger, trialMs: 1500, healthTimeoutMs: 60_000, restartDelayMs: 200, pollMs: 100 });
  const gaps: number[] = [];
  try {
    await launcher.start();
    const versions = ['1.1.0', '1.2.0', '1.3.0'];
    let from = '1.0.0';
    for (const v of versions) {
      const name = await publishFakeRelease(r, v, { serveBadges: true });
      await sendJob(root, installJob(server.url, v, name));
      await waitFor(`${v} committed`, async () => (await published(root)).some((p) => p.msg.state === 'committed' && p.msg.toVersion === v), 240_000);
      const lines = (await readFile(join(root, 'test', 'badges.log'), 'utf8')).trim().split('\n').map((l) => l.split(' ') as [string, string]);
      const lastOld = Math.max(...lines.filter(([ver]) => ver === from).map(([, t]) => Number(t)));
      const firstNew = Math.min(...lines.filter(([ver]) => ver === v).map(([, t]) => Number(t)));
      gaps.push(firstNew - lastOld);
      from = v;
    }
    expect(await currentIsIntact(root)).toBe('1.3.0');
    console.log(`[bench] access downtime during an update (last badge of old agent -> first badge of new agent, launcher switch, goal <= 3 s):`);
    console.log(`[bench]   ${gaps.map((g, i) => `${versions[i]}: ${(g / 1000).toFixed(2)} s`).join(', ')}; max ${(Math.max(...gaps) / 1000).toFixed(2)} s`);
  } finally {
    await launcher.stop();
    await server.close();
    await rm(r.base, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  }
});
