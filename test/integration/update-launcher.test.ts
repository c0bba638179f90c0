import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { Launcher } from '../../agent/launcher/launcher.ts';
import { currentVersion } from '../../agent/launcher/releases.ts';
import { startRepoServer, type RepoServer } from '../support/repo-server.ts';
import { makeRepository, type TestRepository } from '../support/update-fixtures.ts';
import { currentIsIntact, installJob, makeBoxRoot, publishFakeRelease, published, sendJob, waitFor, type Behaviour } from '../support/box-root.ts';

/**
 * The whole box side of an update with real parts: a signed repository on a local HTTP
 * server, the real launcher supervising fake agent releases (node processes) that run
 * the real update machine.
 */
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

async function scenario(newBehaviour: Behaviour, launcherOptions: Partial<ConstructorParameters<typeof Launcher>[0]> = {}) {
  const r: TestRepository = await makeRepository();
  const server: RepoServer = await startRepoServer(r.repo);
  const name = await publishFakeRelease(r, '1.1.0', newBehaviour);
  const root = await makeBoxRoot(r, '1.0.0');
  const launcher = new Launcher({ root, clock: systemClock, log: silentLogger, crashLoop: { crashes: 3, withinMs: 60_000 }, healthTimeoutMs: 30_000, trialMs: 1500, restartDelayMs: 200, pollMs: 100, ...launcherOptions });
  cleanup.push(async () => launcher.stop(), async () => server.close(), async () => rm(r.base, { recursive: true, force: true }), async () => rm(root, { recursive: true, force: true }));
  await launcher.start();
  await sendJob(root, installJob(server.url, '1.1.0', name));
  return { root, launcher };
}

async function finalStatus(root: string) {
  return waitFor('a final update status', async () => (await published(root)).find((p) => p.topic === 'update/status' && ['committed', 'rolled-back', 'failed', 'aborted'].includes(p.msg.state)));
}

describe('launcher and update machine, end to end', { timeout: 240_000 }, () => {
  it('installs a good release: trial passes, the new release commits', async () => {
    const { root } = await scenario({});
    const last = await finalStatus(root);
    expect(last.msg.state).toBe('committed');
    expect(last.version).toBe('1.1.0');
    expect(await currentIsIntact(root)).toBe('1.1.0');
    const states = (await published(root)).filter((p) => p.topic === 'update/status').map((p) => p.msg.state);
    expect(states).toEqual(expect.arrayContaining(['queued', 'downloading', 'verifying', 'staged', 'waiting-window', 'installing', 'restarting', 'trial', 'committed']));
  });

  it('rolls back a release that crash-loops; the previous release reports rolled-back with the reason', async () => {
    const { root } = await scenario({ crash: true });
    const last = await finalStatus(root);
    expect(last.msg.state).toBe('rolled-back');
    expect(last.version).toBe('1.0.0');
    expect(last.msg.error?.code).toBe('UPDATE_TRIAL_CRASH_LOOP');
    expect(await currentVersion(root)).toBe('1.0.0');
    const event = await waitFor('update.rolled-back event', async () => (await published(root)).find((p) => p.topic === 'events'));
    expect(event.msg.kind).toBe('update.rolled-back');
    expect(event.msg.data).toMatchObject({ code: 'UPDATE_TRIAL_CRASH_LOOP', toVersion: '1.1.0', fromVersion: '1.0.0' });
  });

  it('honours an abort from the fleet during the trial: the launcher rolls back, never committed', async () => {
    const { root } = await scenario({}, { trialMs: 120_000 });
    await waitFor('the new release on trial', async () => (await published(root)).some((p) => p.version === '1.1.0' && p.msg.state === 'trial'));
    const job = (await published(root)).find((p) => p.topic === 'update/status')?.msg;
    await sendJob(root, { ...installJob('http://127.0.0.1:9/', '1.1.0', 'x'), jobId: job?.jobId ?? '', action: 'abort' });
    const last = await finalStatus(root);
    expect(last.msg).toMatchObject({ state: 'rolled-back', error: { code: 'UPDATE_ABORTED' } });
    expect(await currentIsIntact(root)).toBe('1.0.0');
    expect((await published(root)).map((p) => p.msg.state)).not.toContain('committed');
  });

  it('rolls back a release whose self-test fails, and one that never reports healthy', async () => {
    const a = await scenario({ selfTestOk: false });
    expect((await finalStatus(a.root)).msg.error).toMatchObject({ code: 'UPDATE_TRIAL_SELF_TEST', message: expect.stringContaining('reader lane-1') });
    const b = await scenario({ noHealth: true }, { healthTimeoutMs: 3000 });
    expect((await finalStatus(b.root)).msg.error?.code).toBe('UPDATE_TRIAL_NO_HEALTH');
    expect(await currentIsIntact(b.root)).toBe('1.0.0');
  });
});
