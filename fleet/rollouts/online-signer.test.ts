import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Updater } from 'tuf-js';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { startRepoServer } from '../../test/support/repo-server.ts';
import { makeBundle, makeRepository, type TestRepository } from '../../test/support/update-fixtures.ts';
import { OnlineSigner } from './online-signer.ts';
import { RepositoryResignJob } from './resign-job.ts';
import { generateSigningKey } from './tuf-keys.ts';
import { describeFile, metadataBytes, nextTargets, readTargets, signMetadata, targetsDir } from './tuf-repository.ts';

let r: TestRepository;
let clock: ManualClock;
let signer: OnlineSigner;
const HOUR = 3_600_000;

beforeEach(async () => {
  clock = new ManualClock(Date.now());
  r = await makeRepository(clock.now());
  signer = new OnlineSigner({ repo: r.repo, keys: { snapshot: r.keys.snapshot, timestamp: r.keys.timestamp }, clock, logger: silentLogger });
});
afterEach(async () => {
  await rm(r.base, { recursive: true, force: true });
});

/** What `release publish` does offline: the bundle uploaded, targets.json + 1 signed with the targets key. */
async function offlineTargets(version: string, keys = r.keys.targets, upload = true): Promise<{ name: string; bytes: Buffer }> {
  const bundle = await makeBundle(r.base, { version });
  const name = `resabox-${version}-rbx-a1.tar.gz`;
  if (upload) {
    await mkdir(targetsDir(r.repo), { recursive: true });
    await copyFile(bundle, join(targetsDir(r.repo), name));
  }
  const next = nextTargets((await readTargets(r.repo)).signed, { name, ...(await describeFile(bundle)), custom: { version, hardware: 'rbx-a1', channel: 'stable', minVersion: '0.0.0' } }, clock.now());
  return { name, bytes: metadataBytes(signMetadata(next, keys)) };
}

const version = async (file: string) => (JSON.parse(await readFile(join(r.repo, 'metadata', file), 'utf8')) as { signed: { version: number } }).signed.version;
const codeOf = (p: Promise<unknown>) => p.then(() => null, (e: { code?: string }) => e.code);

describe('the fleet as the online TUF roles (snapshot, timestamp)', () => {
  it('publishes a targets.json signed offline with a new snapshot and timestamp that a box verifies', async () => {
    const { name, bytes } = await offlineTargets('1.1.0');
    const published = await signer.acceptTargets(bytes);
    expect(published).toMatchObject({ targetsVersion: 2, snapshotVersion: 2, timestampVersion: 2, signedBy: [r.keys.targets[0]?.keyId] });
    const server = await startRepoServer(r.repo);
    try {
      // A TUF client nobody here wrote (tuf-js), trusting root v1, as a box does.
      const box = join(r.base, 'box');
      await mkdir(box);
      await copyFile(r.anchor, join(box, 'root.json'));
      const client = new Updater({ metadataDir: box, metadataBaseUrl: `${server.url}metadata/`, targetBaseUrl: `${server.url}targets/` });
      await client.refresh();
      expect((await client.getTargetInfo(name))?.unrecognizedFields.custom).toMatchObject({ version: '1.1.0', hardware: 'rbx-a1' });
    } finally {
      await server.close();
    }
  });

  it('refuses a targets.json that is not signed by the targets key, not newer, garbage, or lists bytes never uploaded', async () => {
    expect(await codeOf(signer.acceptTargets((await offlineTargets('1.1.0', [generateSigningKey('targets')])).bytes))).toBe('REPOSITORY_SIGNATURE_INVALID');
    expect(await codeOf(signer.acceptTargets(Buffer.from('{"signed":')))).toBe('REPOSITORY_METADATA_INVALID');
    expect(await codeOf(signer.acceptTargets((await offlineTargets('1.2.0', r.keys.targets, false)).bytes))).toBe('ARTIFACT_NOT_FOUND');
    const { name, bytes } = await offlineTargets('1.3.0');
    await writeFile(join(targetsDir(r.repo), name), 'other bytes');
    expect(await codeOf(signer.acceptTargets(bytes))).toBe('REPOSITORY_TARGET_MISMATCH');
    const ok = await offlineTargets('1.4.0');
    await signer.acceptTargets(ok.bytes);
    expect(await codeOf(signer.acceptTargets(ok.bytes))).toBe('REPOSITORY_VERSION_NOT_NEWER');
    expect(await version('targets.json')).toBe(2);
  });

  it('refuses to sign with keys the root does not list', async () => {
    const stranger = new OnlineSigner({ repo: r.repo, keys: { snapshot: [generateSigningKey('snapshot')], timestamp: [generateSigningKey('timestamp')] }, clock, logger: silentLogger });
    expect(await codeOf(stranger.acceptTargets((await offlineTargets('1.1.0')).bytes))).toBe('REPOSITORY_ONLINE_KEY_MISMATCH');
    expect(await codeOf(stranger.resignIfDue())).toBe('REPOSITORY_ONLINE_KEY_MISMATCH');
  });

  it('re-signs the timestamp from half its life, and the snapshot from half its own', async () => {
    expect(await signer.resignIfDue()).toEqual([]);
    clock.setWall(clock.now() + 11 * HOUR);
    expect(await signer.resignIfDue()).toEqual([]);
    clock.setWall(clock.now() + 2 * HOUR);
    expect(await signer.resignIfDue()).toEqual(['timestamp']);
    expect([await version('snapshot.json'), await version('timestamp.json')]).toEqual([1, 2]);
    clock.setWall(clock.now() + 84 * HOUR);
    expect(await signer.resignIfDue()).toEqual(['snapshot', 'timestamp']);
    expect([await version('snapshot.json'), await version('timestamp.json')]).toEqual([2, 3]);
  });
});

describe('RepositoryResignJob', () => {
  it('runs at start and then every period, and a failure is logged with its code, not thrown', async () => {
    const clockJob = new ManualClock(Date.now() + 13 * HOUR);
    const lines: { code?: string }[] = [];
    const logger = { ...silentLogger, error: (o: { code?: string }) => void lines.push(o), info: () => undefined, child: () => logger } as unknown as typeof silentLogger;
    const job = new RepositoryResignJob(new OnlineSigner({ repo: r.repo, keys: { snapshot: r.keys.snapshot, timestamp: r.keys.timestamp }, clock: clockJob, logger }), clockJob, logger, HOUR);
    job.start();
    await job.stop();
    expect(await version('timestamp.json')).toBe(2);
    const broken = new RepositoryResignJob(new OnlineSigner({ repo: join(r.base, 'nowhere'), keys: { snapshot: r.keys.snapshot, timestamp: r.keys.timestamp }, clock: clockJob, logger }), clockJob, logger, HOUR);
    expect(await broken.runOnce()).toEqual([]);
    expect(lines).toHaveLength(1);
  });

  it('keeps the timestamp and snapshot from ever expiring over three weeks with nobody publishing, by itself', async () => {
    const clockJob = new ManualClock(clock.now());
    const passes: Promise<unknown>[] = [];
    const own = new OnlineSigner({ repo: r.repo, keys: { snapshot: r.keys.snapshot, timestamp: r.keys.timestamp }, clock: clockJob, logger: silentLogger });
    const resign = own.resignIfDue.bind(own);
    own.resignIfDue = () => {
      const p = resign();
      passes.push(p);
      return p;
    };
    const job = new RepositoryResignJob(own, clockJob, silentLogger, HOUR);
    const expires = async (file: string) => Date.parse((JSON.parse(await readFile(join(r.repo, 'metadata', file), 'utf8')) as { signed: { expires: string } }).signed.expires);
    job.start();
    try {
      for (let h = 1; h <= 21 * 24; h++) {
        clockJob.advance(HOUR);
        expect(passes).toHaveLength(h + 1);
        await passes[h];
        // What a box fetching now would get: never expired, with at least half a day left.
        expect(await expires('timestamp.json')).toBeGreaterThan(clockJob.now() + 11 * HOUR);
        expect(await expires('snapshot.json')).toBeGreaterThan(clockJob.now() + 3 * 24 * HOUR);
      }
    } finally {
      await job.stop();
    }
    // Once per 12 h for the timestamp, plus the snapshot's own re-signings every 3.5 days.
    expect(await version('timestamp.json')).toBeGreaterThanOrEqual(1 + 21 * 2);
    expect(await version('snapshot.json')).toBeGreaterThanOrEqual(1 + 5);
  });
});
