import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, symlink, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UpdateStatusMessage } from '../../protocol/mqtt/index.ts';
import { decode, encode } from '../../protocol/mqtt/index.ts';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { startRepoServer, type RepoServer } from '../../test/support/repo-server.ts';
import { makeBundle, makeRepository, publishBundle, refreshTimestamp, type TestRepository } from '../../test/support/update-fixtures.ts';
import { installJob } from '../../test/support/box-root.ts';

import { launcherPaths, type TrialRecord } from '../launcher/files.ts';
import { currentVersion } from '../launcher/releases.ts';
import { Updater, type UpdaterOptions } from './updater.ts';

let r: TestRepository;
let server: RepoServer;
let root: string;
afterEach(async () => {
  await server?.close();
  await rm(r.base, { recursive: true, force: true });
});

async function setUp(custom: { hardware?: string } = {}) {
  r = await makeRepository();
  server = await startRepoServer(r.repo);
  const name = await publishBundle(r, await makeBundle(r.base, { version: '1.1.0' }), { version: '1.1.0' }, custom);
  root = await mkdtemp(join(r.base, 'root-'));
  await mkdir(join(root, 'releases', '1.0.0'), { recursive: true });
  await symlink(join('releases', '1.0.0'), join(root, 'current'));
  return name;
}

function makeUpdater(clock: ManualClock, over: Partial<UpdaterOptions> = {}) {
  const statuses: UpdateStatusMessage[] = [];
  const restart = vi.fn();
  const updater = new Updater({
    root,
    box: { hardware: 'rbx-a1', runningVersion: '1.0.0' },
    trustAnchor: r.anchor,
    clock,
    log: silentLogger,
    publishStatus: (s) => void statuses.push(s),
    publishEvent: () => undefined,
    requestRestart: restart,
    lastPassAt: () => null,
    pollMs: 1000,
    ...over,
  });
  return { updater, statuses, restart };
}

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !probe(); i++) await new Promise((res) => setTimeout(res, 20));
  if (!probe()) throw new Error(`timed out: ${what}`);
}

describe('Updater', () => {
  it('reports every state as a valid update/status message and stops at the restart request', async () => {
    const name = await setUp();
    const clock = new ManualClock(Date.now());
    const { updater, statuses, restart } = makeUpdater(clock);
    await updater.offerJob(installJob(server.url, '1.1.0', name));
    await until('restart request', () => restart.mock.calls.length > 0);
    expect(statuses.map((s) => s.state)).toEqual(['queued', 'downloading', ...statuses.filter((s) => s.progress !== null).map(() => 'downloading'), 'verifying', 'staged', 'waiting-window', 'installing', 'restarting']);
    for (const s of statuses) expect(decode('updateStatus', encode('updateStatus', s)).ok).toBe(true);
    expect(await currentVersion(root)).toBe('1.1.0');
    const trial = JSON.parse(await readFile(launcherPaths(root).trial, 'utf8')) as TrialRecord;
    expect(trial).toMatchObject({ fromVersion: '1.0.0', toVersion: '1.1.0', verdict: 'pending' });
  });

  it('refuses a bundle signed for other hardware and reports failed with the code', async () => {
    const name = await setUp({ hardware: 'rbx-b2' });
    const { updater, statuses } = makeUpdater(new ManualClock(Date.now()));
    await updater.offerJob(installJob(server.url, '1.1.0', name));
    await updater.settled();
    expect(statuses.at(-1)).toMatchObject({ state: 'failed', error: { code: 'UPDATE_WRONG_HARDWARE' } });
    expect(await currentVersion(root)).toBe('1.0.0');
    await expect(stat(join(root, 'releases', '1.1.0'))).rejects.toThrow();
  });

  it('waits for the install window, and an abort there discards the staged release', async () => {
    const name = await setUp();
    const clock = new ManualClock(Date.now());
    const { updater, statuses } = makeUpdater(clock, { lastPassAt: () => clock.now() });
    const job = { ...installJob(server.url, '1.1.0', name), installWindow: { notBefore: clock.now() + 3_600_000, idleMinutes: 10 } };
    await updater.offerJob(job);
    await until('waiting-window', () => statuses.at(-1)?.state === 'waiting-window');
    await clock.advanceAsync(30_000, 1000);
    expect(updater.state).toBe('waiting-window');
    await updater.offerJob({ ...job, action: 'abort' });
    await updater.settled();
    expect(statuses.at(-1)).toMatchObject({ state: 'aborted', error: { code: 'UPDATE_ABORTED' } });
    expect(await currentVersion(root)).toBe('1.0.0');
    await expect(stat(join(root, 'releases', '1.1.0'))).rejects.toThrow();
  });

  it('holds a download-only job in staged until an install job for that version comes', async () => {
    const name = await setUp();
    const clock = new ManualClock(Date.now());
    const { updater, statuses, restart } = makeUpdater(clock);
    const job = { ...installJob(server.url, '1.1.0', name), downloadOnly: true };
    await updater.offerJob(job);
    await until('staged', () => statuses.at(-1)?.state === 'staged');
    expect(await currentVersion(root)).toBe('1.0.0');
    await updater.offerJob({ ...job, jobId: 'job-install', downloadOnly: false });
    await until('restart request', () => restart.mock.calls.length > 0);
    expect(statuses.at(-1)).toMatchObject({ state: 'restarting', jobId: 'job-install' });
  });

  it('turns an abort after the switch into a rollback request, never a commit', async () => {
    const name = await setUp();
    const clock = new ManualClock(Date.now());
    const old = makeUpdater(clock);
    const job = installJob(server.url, '1.1.0', name);
    await old.updater.offerJob(job);
    await until('restart request', () => old.restart.mock.calls.length > 0);
    // The new release boots and resumes the machine in trial; the fleet aborts.
    const fresh = makeUpdater(clock, { box: { hardware: 'rbx-a1', runningVersion: '1.1.0' } });
    await fresh.updater.start();
    await until('trial', () => fresh.statuses.at(-1)?.state === 'trial');
    await fresh.updater.offerJob({ ...job, action: 'abort' });
    const verdict = () => (JSON.parse(readFileSync(launcherPaths(root).trial, 'utf8')) as TrialRecord).verdict;
    for (let i = 0; i < 1000 && verdict() !== 'abort'; i++) {
      clock.advance(1000);
      await new Promise((res) => setTimeout(res, 10));
    }
    expect(verdict()).toBe('abort');
    // Even a "passed" verdict racing in must not commit an aborted update.
    await writeFile(launcherPaths(root).trial, JSON.stringify({ ...(JSON.parse(await readFile(launcherPaths(root).trial, 'utf8')) as TrialRecord), verdict: 'passed' }));
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(fresh.updater.state).toBe('trial');
    expect(fresh.statuses.map((s) => s.state)).not.toContain('committed');
  });

  it('reports a TUF refusal (frozen repository: expired timestamp) as failed with its code', async () => {
    const name = await setUp();
    await refreshTimestamp({ repo: r.repo, keys: r.keys, now: Date.now() - 3 * 86_400_000 });
    const { updater, statuses } = makeUpdater(new ManualClock(Date.now()));
    await updater.offerJob(installJob(server.url, '1.1.0', name));
    await updater.settled();
    expect(statuses.at(-1)).toMatchObject({ state: 'failed', error: { code: 'UPDATE_TUF_EXPIRED' } });
    expect(await currentVersion(root)).toBe('1.0.0');
  });

  it('gives up on a state entered too often (a crash there every time) with UPDATE_STATE_LOOP, instead of running it again', async () => {
    const name = await setUp();
    const clock = new ManualClock(Date.now());
    const job = installJob(server.url, '1.1.0', name);
    await mkdir(join(root, 'update'), { recursive: true });
    // What a box finds after it died in verifying three times in a row.
    await writeFile(join(root, 'update', 'state.json'), JSON.stringify({ state: 'verifying', job, fromVersion: '1.0.0', target: null, error: null, abortRequested: false, enteredAt: clock.now(), entries: { queued: 1, downloading: 1, verifying: 3 } }));
    const { updater, statuses } = makeUpdater(clock, { maxStateEntries: 3 });
    await updater.start();
    await updater.settled();
    expect(statuses.map((s) => s.state)).toEqual(['failed']);
    expect(statuses[0]?.error).toMatchObject({ code: 'UPDATE_STATE_LOOP', message: expect.stringContaining('verifying entered 4 times') });
    const record = JSON.parse(await readFile(join(root, 'update', 'state.json'), 'utf8')) as { finalized: boolean; entries: Record<string, number> };
    expect(record).toMatchObject({ finalized: true, entries: { verifying: 4, failed: 1 } });
    expect(await currentVersion(root)).toBe('1.0.0');
  });

  it('refuses an expired job with a coded status', async () => {
    const name = await setUp();
    const clock = new ManualClock(Date.now());
    const { updater, statuses } = makeUpdater(clock);
    await updater.offerJob({ ...installJob(server.url, '1.1.0', name), expiresAt: clock.now() - 1 });
    expect(statuses).toEqual([expect.objectContaining({ state: 'failed', error: expect.objectContaining({ code: 'UPDATE_JOB_EXPIRED' }) })]);
  });
});
