import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { Launcher } from '../../agent/launcher/launcher.ts';
import { startRepoServer } from '../support/repo-server.ts';
import { makeRepository } from '../support/update-fixtures.ts';
import { currentIsIntact, installJob, makeBoxRoot, publishFakeRelease, published, sendJob, waitFor, type Behaviour } from '../support/box-root.ts';

/**
 * SIGKILL at every state of the update machine. The agent process (a fake release
 * running the real machine) kills itself with SIGKILL right after it saved and reported
 * a state, before that state's side effect; the real launcher restarts it, as systemd
 * would after a power cut. Whatever the kill point, `current` must end on an intact
 * release: the new one committed, or the old one after a rollback.
 */
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

async function runKilledAt(killAt: string, newBehaviour: Behaviour, env: Record<string, string> = {}) {
  const r = await makeRepository();
  const server = await startRepoServer(r.repo);
  const name = await publishFakeRelease(r, '1.1.0', newBehaviour, 2 * 1024 * 1024);
  const root = await makeBoxRoot(r, '1.0.0');
  const launcher = new Launcher({ root, clock: systemClock, log: silentLogger, crashLoop: { crashes: 3, withinMs: 60_000 }, healthTimeoutMs: 30_000, trialMs: 1500, restartDelayMs: 200, pollMs: 100, env: { RESABOX_TEST_KILL_AT: killAt, ...env } });
  cleanup.push(async () => launcher.stop(), async () => server.close(), async () => rm(r.base, { recursive: true, force: true }), async () => rm(root, { recursive: true, force: true }));
  await launcher.start();
  await sendJob(root, installJob(server.url, '1.1.0', name));
  const last = await waitFor('a final update status', async () => (await published(root)).filter((p) => p.topic === 'update/status' && ['committed', 'rolled-back', 'failed', 'aborted'].includes(p.msg.state)).at(-1), 180_000);
  // The machine has finished its final state's clean-up once its record is finalized.
  await waitFor('the final clean-up', async () => (JSON.parse(await readFile(join(root, 'update', 'state.json'), 'utf8')) as { finalized?: boolean }).finalized === true);
  const killed = (await readdir(join(root, 'test'))).some((f) => f === `killed-${killAt}`);
  return { root, last, killed, requests: server.requests };
}

const KILL_POINTS = ['queued', 'downloading', 'downloading@0.5', 'verifying', 'staged', 'waiting-window', 'installing', 'restarting', 'restarting-new', 'trial', 'committed'];

describe('SIGKILL at every state of the update machine', { timeout: 300_000 }, () => {
  it.each(KILL_POINTS)('killed at %s: the update resumes and commits on an intact release', async (killAt) => {
    const { root, last, killed, requests } = await runKilledAt(killAt, {});
    expect(killed).toBe(true);
    if (killAt === 'downloading@0.5') expect(requests.some((q) => /^GET \/targets\/\S+ bytes=[1-9]\d*-$/.test(q))).toBe(true);
    expect(last.msg.state).toBe('committed');
    expect(await currentIsIntact(root)).toBe('1.1.0');
    expect(await readdir(join(root, 'releases'))).toEqual(expect.arrayContaining(['1.0.0', '1.1.0']));
  });

  it('killed at verifying every time: the state-loop guard fails the update (UPDATE_STATE_LOOP) and the box stays on its release', async () => {
    const { root, last, killed } = await runKilledAt('verifying!', {}, { RESABOX_TEST_MAX_STATE_ENTRIES: '3' });
    expect(killed).toBe(true);
    expect((await readFile(join(root, 'test', 'killed-verifying!'), 'utf8')).trim().split('\n')).toHaveLength(3);
    expect(last.msg).toMatchObject({ state: 'failed', error: { code: 'UPDATE_STATE_LOOP' } });
    expect(await currentIsIntact(root)).toBe('1.0.0');
    expect(await readdir(join(root, 'releases'))).toEqual(['1.0.0']);
  });

  it.each(['restarting', 'rolled-back'])('killed at %s of an update that crash-loops: rolled back on an intact old release, reason reported', async (killAt) => {
    const { root, last, killed } = await runKilledAt(killAt, { crash: true });
    expect(killed).toBe(true);
    expect(last.msg).toMatchObject({ state: 'rolled-back', error: { code: 'UPDATE_TRIAL_CRASH_LOOP' } });
    expect(await currentIsIntact(root)).toBe('1.0.0');
    expect((await published(root)).some((p) => p.topic === 'events' && p.msg.kind === 'update.rolled-back')).toBe(true);
  });
});
