import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { encode, type UpdateJobMessage, type UpdateStatusMessage } from '../../protocol/mqtt/index.ts';
import { previousRelease, refuseUpdateJob, runningRelease } from './agent-updates.ts';
import { trustAnchorPath } from './trust-anchor.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function releaseDir(version: string, hardware = 'rbx-a1'): Promise<{ root: string; dir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'agent-updates-'));
  dirs.push(root);
  const dir = join(root, 'releases', version);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ name: 'resabox-agent', version, hardware, channel: 'stable', minVersion: '0.0.0', entry: 'agent.mjs', createdAt: 'x' }));
  return { root, dir };
}

const job: UpdateJobMessage = { v: 1, jobId: 'ro-1.box-1.a1', rolloutId: 'ro-1', action: 'install', version: '1.1.0', channel: 'stable', hardware: 'rbx-a1', repositoryUrl: 'http://fleet/repository', targetName: 't.tar.gz', downloadOnly: false, installWindow: null, issuedAt: 0, expiresAt: 1 };

describe('agent update wiring', () => {
  it('takes version and hardware from the manifest of the release the launcher started', async () => {
    const { root, dir } = await releaseDir('1.0.3', 'rbx-b2');
    expect(await runningRelease({ RESABOX_ROOT: root, RESABOX_RELEASE_DIR: dir, RESABOX_RELEASE_VERSION: '1.0.3' })).toEqual({ root, dir, version: '1.0.3', hardware: 'rbx-b2', previous: null });
    expect(trustAnchorPath(root)).toBe(join(root, 'trust', 'root.json'));
  });

  it('names the previous release: the one a commit came from, never the target of a rolled-back update', async () => {
    const { root } = await releaseDir('1.2.0');
    for (const v of ['1.0.0', '1.1.0', '1.3.0']) await mkdir(join(root, 'releases', v), { recursive: true });
    const record = (state: string, version: string, fromVersion: string) => writeFile(join(root, 'update', 'state.json'), JSON.stringify({ state, job: { ...job, version }, fromVersion, target: null, error: null, abortRequested: false, enteredAt: 0, finalized: true }));
    await mkdir(join(root, 'update'), { recursive: true });
    await record('committed', '1.2.0', '1.0.0');
    expect(await previousRelease(root, '1.2.0')).toBe('1.0.0');
    await record('rolled-back', '1.3.0', '1.2.0');
    expect(await previousRelease(root, '1.2.0')).toBe('1.1.0');
    await rm(join(root, 'update', 'state.json'));
    expect(await previousRelease(root, '1.2.0')).toBe('1.3.0');
    expect(await previousRelease(join(root, 'elsewhere'), '1.0.0')).toBeNull();
  });

  it('is not under the launcher without its environment, or when the manifest disagrees or is missing', async () => {
    const { root, dir } = await releaseDir('1.0.3');
    expect(await runningRelease({})).toBeNull();
    expect(await runningRelease({ RESABOX_ROOT: root })).toBeNull();
    expect(await runningRelease({ RESABOX_ROOT: root, RESABOX_RELEASE_DIR: dir, RESABOX_RELEASE_VERSION: '9.9.9' })).toBeNull();
    expect(await runningRelease({ RESABOX_ROOT: root, RESABOX_RELEASE_DIR: join(root, 'releases', 'nope') })).toBeNull();
  });

  it('without the launcher, answers an install job at once with a coded failure the contract accepts; an abort needs no answer', () => {
    const sent: UpdateStatusMessage[] = [];
    const uplink = { publishUpdateStatus: (s: UpdateStatusMessage) => void sent.push(s), publishEvent: () => undefined, connected: true };
    const clock = new ManualClock(1_000);
    refuseUpdateJob(job, '0.1.0', uplink, clock);
    refuseUpdateJob({ ...job, action: 'abort' }, '0.1.0', uplink, clock);
    expect(sent).toEqual([{ v: 1, jobId: job.jobId, rolloutId: 'ro-1', state: 'failed', fromVersion: '0.1.0', toVersion: '1.1.0', progress: null, error: { code: 'UPDATE_NO_LAUNCHER', message: expect.stringContaining('launcher') }, ts: 1_000 }]);
    expect(() => encode('updateStatus', sent[0] as UpdateStatusMessage)).not.toThrow();
  });
});
