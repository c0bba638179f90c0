import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Metadata, MetaFile, Snapshot, Targets, Timestamp } from '@tufjs/models';
import { generateSigningKey } from '../../fleet/rollouts/tuf-keys.ts';
import { expiresAfterDays, readTargets, rotateRoot, signMetadata, SPEC_VERSION, writeMetadata } from '../../fleet/rollouts/tuf-repository.ts';
import { downloadWithResume, verifyDownload } from '../../agent/update/download.ts';
import { UpdateFailure } from '../../agent/update/errors.ts';
import { checkTargetFits } from '../../agent/update/fit.ts';
import { repositoryUrls, resolveTarget, type VerifiedTarget } from '../../agent/update/trust.ts';
import { unpackRelease } from '../../agent/update/unpack.ts';
import { startRepoServer, type RepoServer } from '../support/repo-server.ts';
import { makeBundle, makeRepository, publishBundle, type ReleaseSpec, type TestRepository } from '../support/update-fixtures.ts';

const RELEASE: ReleaseSpec = { version: '1.1.0', minVersion: '1.0.0' };
const BOX = { hardware: 'rbx-a1', runningVersion: '1.0.0' };

let r: TestRepository;
let server: RepoServer;
let box: string;
let bundle: string;
let name: string;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UpdateFailure) return e.error.code;
    throw e;
  }
  return 'no error';
}

const trust = () => ({ repositoryUrl: server.url, metadataDir: join(box, 'tuf'), trustAnchor: r.anchor, fetchTimeoutMs: 20_000 });
const resolve = () => resolveTarget(trust(), name);
const meta = (f: string) => join(r.repo, 'metadata', f);

/** Saves the current metadata files so a test can serve them again later (the attacker's replay). */
async function snapshotMetadata(tag: string): Promise<void> {
  for (const f of ['timestamp.json', 'snapshot.json', 'targets.json']) await copyFile(meta(f), join(r.base, `${tag}.${f}`));
}
async function replayMetadata(tag: string, files = ['timestamp.json', 'snapshot.json', 'targets.json']): Promise<void> {
  for (const f of files) await copyFile(join(r.base, `${tag}.${f}`), meta(f));
}
async function versionOf(f: string): Promise<number> {
  return (JSON.parse(await readFile(meta(f), 'utf8')) as { signed: { version: number } }).signed.version;
}
/** Signs and writes a timestamp pointing at whatever snapshot.json is on disk now. */
async function resignTimestamp(version: number, expiresDays = 1): Promise<void> {
  const snap = await readFile(meta('snapshot.json'));
  const snapVersion = (JSON.parse(snap.toString()) as { signed: { version: number } }).signed.version;
  const { createHash } = await import('node:crypto');
  const ts = new Timestamp({ version, specVersion: SPEC_VERSION, expires: expiresAfterDays(Date.now(), expiresDays), snapshotMeta: new MetaFile({ version: snapVersion, length: snap.length, hashes: { sha256: createHash('sha256').update(snap).digest('hex') } }) });
  await writeMetadata(r.repo, 'timestamp.json', signMetadata(ts, r.keys.timestamp));
}
async function download(target: VerifiedTarget): Promise<string> {
  const part = join(box, 'downloads', `${target.name}.part`);
  await downloadWithResume({ url: repositoryUrls(server.url).targets + target.name, partPath: part, length: target.length });
  await verifyDownload(part, target);
  return part;
}

beforeEach(async () => {
  r = await makeRepository();
  box = await mkdtemp(join(r.base, 'box-'));
  bundle = await makeBundle(r.base, RELEASE);
  name = await publishBundle(r, bundle, RELEASE);
  server = await startRepoServer(r.repo);
});
afterEach(async () => {
  await server.close();
  await rm(r.base, { recursive: true, force: true });
});

describe('TUF trust on the box', () => {
  it('accepts a correctly signed bundle: resolve, download, verify, unpack', async () => {
    const target = await resolve();
    expect(target.custom).toMatchObject({ version: '1.1.0', hardware: 'rbx-a1', minVersion: '1.0.0' });
    checkTargetFits(target, BOX, '1.1.0');
    const part = await download(target);
    const dir = await unpackRelease(box, part, { version: '1.1.0', hardware: 'rbx-a1' });
    expect(await readFile(join(dir, 'agent.mjs'), 'utf8')).toContain('agent 1.1.0');
  });

  it('refuses a rollback of timestamp, snapshot and targets to older versions', async () => {
    await snapshotMetadata('old');
    await resolve();
    await publishBundle(r, await makeBundle(r.base, { version: '1.2.0' }), { version: '1.2.0' });
    await resolve();
    await replayMetadata('old');
    expect(await codeOf(resolve())).toBe('UPDATE_TUF_ROLLBACK');
    // A fresh timestamp over an old snapshot: the snapshot version goes back.
    await resignTimestamp((await versionOf('timestamp.json')) + 10);
    expect(await codeOf(resolve())).toBe('UPDATE_TUF_ROLLBACK');
  });

  it('refuses an older targets version under a newer snapshot', async () => {
    await snapshotMetadata('old');
    await publishBundle(r, await makeBundle(r.base, { version: '1.2.0' }), { version: '1.2.0' });
    await resolve();
    const oldTargets = (await readTargets(r.repo)).signed.version - 1;
    const snap = new Snapshot({ version: (await versionOf('snapshot.json')) + 1, specVersion: SPEC_VERSION, expires: expiresAfterDays(Date.now(), 7), meta: { 'targets.json': new MetaFile({ version: oldTargets }) } });
    await writeMetadata(r.repo, 'snapshot.json', signMetadata(snap, r.keys.snapshot));
    await replayMetadata('old', ['targets.json']);
    await resignTimestamp((await versionOf('timestamp.json')) + 1);
    expect(await codeOf(resolve())).toBe('UPDATE_TUF_ROLLBACK');
  });

  it('refuses frozen metadata (expired timestamp)', async () => {
    await resignTimestamp((await versionOf('timestamp.json')) + 1, -1);
    expect(await codeOf(resolve())).toBe('UPDATE_TUF_EXPIRED');
  });

  it('refuses mix-and-match: targets.json of another version than the snapshot names, or a snapshot whose hash differs', async () => {
    await snapshotMetadata('old');
    await publishBundle(r, await makeBundle(r.base, { version: '1.2.0' }), { version: '1.2.0' });
    await replayMetadata('old', ['targets.json']);
    expect(await codeOf(resolve())).toBe('UPDATE_TUF_MIX_AND_MATCH');

    const r2Box = await mkdtemp(join(r.base, 'box2-'));
    box = r2Box;
    await publishBundle(r, await makeBundle(r.base, { version: '1.3.0' }), { version: '1.3.0' });
    // Same snapshot version, validly signed, other content: not the one the timestamp hashed.
    const other = new Snapshot({ version: await versionOf('snapshot.json'), specVersion: SPEC_VERSION, expires: expiresAfterDays(Date.now() + 1000, 6), meta: { 'targets.json': new MetaFile({ version: (await readTargets(r.repo)).signed.version }) } });
    await writeMetadata(r.repo, 'snapshot.json', signMetadata(other, r.keys.snapshot));
    expect(await codeOf(resolve())).toBe('UPDATE_TUF_MIX_AND_MATCH');
  });

  it('refuses endless data: metadata longer than its bound, a target longer than its signed length', async () => {
    server.intercept = (path, _req, res) => {
      if (path !== '/metadata/timestamp.json') return false;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.alloc(64 * 1024, 0x20));
      return true;
    };
    expect(await codeOf(resolve())).toBe('UPDATE_TUF_TOO_LARGE');
    server.intercept = null;
    const target = await resolve();
    server.intercept = (path, _req, res) => {
      if (!path.startsWith('/targets/')) return false;
      res.writeHead(200);
      res.end(Buffer.alloc(target.length + 4096, 1));
      return true;
    };
    expect(await codeOf(download(target))).toBe('UPDATE_TARGET_TOO_LARGE');
  });

  it('refuses arbitrary software: metadata signed by an unknown key, a bundle swapped on the server', async () => {
    const target = await resolve();
    const intruder = generateSigningKey('targets');
    const forged = new Targets({ version: (await readTargets(r.repo)).signed.version + 1, specVersion: SPEC_VERSION, expires: expiresAfterDays(Date.now(), 30), targets: (await readTargets(r.repo)).signed.targets });
    await writeMetadata(r.repo, 'targets.json', signMetadata(forged, [intruder]));
    const snap = new Snapshot({ version: (await versionOf('snapshot.json')) + 1, specVersion: SPEC_VERSION, expires: expiresAfterDays(Date.now(), 7), meta: { 'targets.json': new MetaFile({ version: forged.version }) } });
    await writeMetadata(r.repo, 'snapshot.json', signMetadata(snap, r.keys.snapshot));
    await resignTimestamp((await versionOf('timestamp.json')) + 1);
    expect(await codeOf(resolveTarget({ ...trust(), metadataDir: join(box, 'fresh') }, name))).toBe('UPDATE_TUF_BAD_SIGNATURE');

    // Someone with write access to the web server swaps the bundle for one of the same length.
    const evil = Buffer.from(await readFile(join(r.repo, 'targets', name)));
    evil.write('#!/bin/sh evil', 100);
    await writeFile(join(r.repo, 'targets', name), evil);
    expect(await codeOf(download(target))).toBe('UPDATE_TARGET_HASH_MISMATCH');
  });

  it('refuses a root rotation not signed by the old root keys, follows one that is', async () => {
    await resolve();
    const newRoot = generateSigningKey('root');
    const keys = { ...r.keys, root: [newRoot] };
    await rotateRoot({ repo: r.repo, now: Date.now(), oldRootKeys: [], newKeys: keys, rootThreshold: 1 });
    expect(await codeOf(resolve())).toBe('UPDATE_TUF_BAD_SIGNATURE');
    await rm(meta('2.root.json'));
    await copyFile(meta('1.root.json'), meta('root.json'));
    await rotateRoot({ repo: r.repo, now: Date.now(), oldRootKeys: r.keys.root, newKeys: keys, rootThreshold: 1 });
    await resolve();
    const trusted = Metadata.fromJSON('root' as never, JSON.parse(await readFile(join(box, 'tuf', 'root.json'), 'utf8'))) as unknown as { signed: { version: number } };
    expect(trusted.signed.version).toBe(2);
  });

  it('refuses a target for other hardware, an older or too-new-to-reach version, and a bundle whose manifest is for other hardware', async () => {
    const target = await resolve();
    expect(() => checkTargetFits(target, { ...BOX, hardware: 'rbx-b2' }, '1.1.0')).toThrow(expect.objectContaining({ error: expect.objectContaining({ code: 'UPDATE_WRONG_HARDWARE' }) }));
    expect(() => checkTargetFits(target, { ...BOX, runningVersion: '0.9.0' }, '1.1.0')).toThrow(expect.objectContaining({ error: expect.objectContaining({ code: 'UPDATE_TOO_OLD_TO_UPGRADE' }) }));
    expect(() => checkTargetFits(target, { ...BOX, runningVersion: '1.1.0' }, '1.1.0')).toThrow(expect.objectContaining({ error: expect.objectContaining({ code: 'UPDATE_NOT_NEWER' }) }));
    // Signed as rbx-a1, but the archive inside was built for rbx-b2.
    const other = await makeBundle(r.base, { version: '1.4.0', hardware: 'rbx-b2' });
    name = await publishBundle(r, other, { version: '1.4.0' }, { hardware: 'rbx-a1' });
    const t2 = await resolve();
    checkTargetFits(t2, BOX, '1.4.0');
    const part = await download(t2);
    expect(await codeOf(unpackRelease(box, part, { version: '1.4.0', hardware: 'rbx-a1' }))).toBe('UPDATE_WRONG_HARDWARE');
  });

  it('refuses a corrupted download and reports a truncated one; an interrupted download resumes with Range', async () => {
    const target = await resolve();
    const url = repositoryUrls(server.url).targets + name;
    const part = join(box, 'downloads', 'b.part');
    server.cutAfter = { path: `/targets/${name}`, bytes: Math.floor(target.length / 2) };
    expect(await codeOf(downloadWithResume({ url, partPath: part, length: target.length }))).toBe('UPDATE_TARGET_TRUNCATED');
    const half = (await stat(part)).size;
    expect(half).toBeGreaterThan(0);
    expect(half).toBeLessThan(target.length);
    expect(await codeOf(verifyDownload(part, target))).toBe('UPDATE_TARGET_TRUNCATED');
    await downloadWithResume({ url, partPath: part, length: target.length });
    expect(server.requests).toContain(`GET /targets/${name} bytes=${half}-`);
    await verifyDownload(part, target);

    const bytes = await readFile(part);
    const mid = Math.floor(bytes.length / 2);
    bytes[mid] = (bytes[mid] as number) ^ 0xff;
    await writeFile(part, bytes);
    expect(await codeOf(verifyDownload(part, target))).toBe('UPDATE_TARGET_HASH_MISMATCH');
  });
});

