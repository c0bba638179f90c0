import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Metadata, MetadataKind, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp } from '@tufjs/models';
import { writeFileAtomic } from './durable-file.ts';
import { signerOf, tufKeyOf, type RoleName, type SigningKey } from './tuf-keys.ts';

/**
 * A TUF repository on disk, laid out as docs/updates.md says: `metadata/` (root.json,
 * N.root.json, timestamp.json, snapshot.json, targets.json; no consistent snapshots)
 * and `targets/`. Every file is replaced by write-temp-fsync-rename, targets first and
 * timestamp last, so a reader never sees a half-written file.
 */

export const SPEC_VERSION = '1.0.31';
export const DEFAULT_EXPIRY_DAYS: Record<RoleName, number> = { root: 365, targets: 90, snapshot: 7, timestamp: 1 };
const DAY_MS = 86_400_000;

type AnySigned = Root | Targets | Snapshot | Timestamp;

/** TUF wants `YYYY-MM-DDTHH:MM:SSZ` (no milliseconds). */
export function tufTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function expiresAfterDays(now: number, days: number): string {
  return tufTime(now + days * DAY_MS);
}

export function metadataDir(repo: string): string {
  return join(repo, 'metadata');
}

export function targetsDir(repo: string): string {
  return join(repo, 'targets');
}

/** Signs `signed` with every key given (the threshold is the root's business). */
export function signMetadata<T extends AnySigned>(signed: T, keys: readonly SigningKey[]): Metadata<T> {
  const md = new Metadata<T>(signed);
  for (const k of keys) md.sign(signerOf(k));
  return md;
}

export function metadataBytes(md: Metadata<AnySigned>): Buffer {
  return Buffer.from(JSON.stringify(md.toJSON(), null, 1));
}

export async function writeMetadata(repo: string, fileName: string, md: Metadata<AnySigned>): Promise<Buffer> {
  const bytes = metadataBytes(md);
  await writeFileAtomic(join(metadataDir(repo), fileName), bytes);
  return bytes;
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

export async function readRoot(repo: string): Promise<Metadata<Root>> {
  return Metadata.fromJSON(MetadataKind.Root, await readJson(join(metadataDir(repo), 'root.json')) as never);
}

export async function readTargets(repo: string): Promise<Metadata<Targets>> {
  return Metadata.fromJSON(MetadataKind.Targets, await readJson(join(metadataDir(repo), 'targets.json')) as never);
}

export async function readVersion(repo: string, fileName: string): Promise<number> {
  const json = await readJson(join(metadataDir(repo), fileName));
  return ((json.signed as { version: number }).version as number) ?? 0;
}

export interface RootSpec {
  version: number;
  now: number;
  keys: Record<RoleName, readonly SigningKey[]>;
  rootThreshold: number;
  expiryDays?: number;
}

export function buildRoot(spec: RootSpec): Root {
  const keys: Record<string, unknown> = {};
  const roles: Record<string, unknown> = {};
  for (const role of ['root', 'targets', 'snapshot', 'timestamp'] as const) {
    const list = spec.keys[role];
    if (list.length === 0) throw new Error(`no ${role} key`);
    for (const k of list) keys[k.keyId] = tufKeyOf(k).toJSON();
    const threshold = role === 'root' ? spec.rootThreshold : 1;
    if (threshold < 1 || threshold > list.length) throw new Error(`${role} threshold ${threshold} needs 1..${list.length} keys`);
    roles[role] = { keyids: list.map((k) => k.keyId), threshold };
  }
  return Root.fromJSON({
    _type: 'root',
    spec_version: SPEC_VERSION,
    version: spec.version,
    expires: expiresAfterDays(spec.now, spec.expiryDays ?? DEFAULT_EXPIRY_DAYS.root),
    keys,
    roles,
    consistent_snapshot: false,
  } as never);
}

export interface PublishOptions {
  repo: string;
  keys: Record<RoleName, readonly SigningKey[]>;
  now: number;
  expiryDays?: Partial<Record<RoleName, number>>;
}

function days(o: PublishOptions, role: RoleName): number {
  return o.expiryDays?.[role] ?? DEFAULT_EXPIRY_DAYS[role];
}

/** Creates a repository: root v1 (and 1.root.json), empty targets, snapshot and timestamp v1. */
export async function initRepository(o: PublishOptions & { rootThreshold: number }): Promise<void> {
  await mkdir(targetsDir(o.repo), { recursive: true });
  const root = signMetadata(buildRoot({ version: 1, now: o.now, keys: o.keys, rootThreshold: o.rootThreshold, expiryDays: days(o, 'root') }), o.keys.root);
  await writeMetadata(o.repo, '1.root.json', root);
  await writeMetadata(o.repo, 'root.json', root);
  await publishTargets(o, new Targets({ version: 1, specVersion: SPEC_VERSION, expires: expiresAfterDays(o.now, days(o, 'targets')) }));
}

/** Writes targets.json as given, then a new snapshot and timestamp pointing at it. */
export async function publishTargets(o: PublishOptions, targets: Targets): Promise<void> {
  await writeMetadata(o.repo, 'targets.json', signMetadata(targets, o.keys.targets));
  await publishSnapshot(o, targets.version);
}

/** The keys of the online roles: what the fleet holds to re-sign on its own (docs/updates.md). */
export type OnlineKeys = Pick<Record<RoleName, readonly SigningKey[]>, 'snapshot' | 'timestamp'>;

export interface OnlinePublishOptions {
  repo: string;
  keys: OnlineKeys;
  now: number;
  expiryDays?: Partial<Record<RoleName, number>>;
}

const onlineDays = (o: OnlinePublishOptions, role: 'snapshot' | 'timestamp'): number => o.expiryDays?.[role] ?? DEFAULT_EXPIRY_DAYS[role];

/** A new snapshot (version + 1) naming targets.json at `targetsVersion`, then a new timestamp over it. */
export async function publishSnapshot(o: OnlinePublishOptions, targetsVersion: number): Promise<{ snapshotVersion: number; timestampVersion: number }> {
  const snapshotVersion = (await readVersion(o.repo, 'snapshot.json').catch(() => 0)) + 1;
  const snapshot = new Snapshot({
    version: snapshotVersion,
    specVersion: SPEC_VERSION,
    expires: expiresAfterDays(o.now, onlineDays(o, 'snapshot')),
    meta: { 'targets.json': new MetaFile({ version: targetsVersion }) },
  });
  const snapshotBytes = await writeMetadata(o.repo, 'snapshot.json', signMetadata(snapshot, o.keys.snapshot));
  return { snapshotVersion, timestampVersion: await writeTimestamp(o, snapshotVersion, snapshotBytes) };
}

async function writeTimestamp(o: OnlinePublishOptions, snapshotVersion: number, snapshotBytes: Buffer): Promise<number> {
  const version = (await readVersion(o.repo, 'timestamp.json').catch(() => 0)) + 1;
  const timestamp = new Timestamp({
    version,
    specVersion: SPEC_VERSION,
    expires: expiresAfterDays(o.now, onlineDays(o, 'timestamp')),
    snapshotMeta: new MetaFile({ version: snapshotVersion, length: snapshotBytes.length, hashes: { sha256: createHash('sha256').update(snapshotBytes).digest('hex') } }),
  });
  await writeMetadata(o.repo, 'timestamp.json', signMetadata(timestamp, o.keys.timestamp));
  return version;
}

/** Re-signs the timestamp (new version, new expiry) over the current snapshot: the daily anti-freeze job. */
export async function refreshTimestamp(o: OnlinePublishOptions): Promise<number> {
  const snapshotBytes = await readFile(join(metadataDir(o.repo), 'snapshot.json'));
  const snapshotVersion = (JSON.parse(snapshotBytes.toString('utf8')) as { signed: { version: number } }).signed.version;
  return writeTimestamp(o, snapshotVersion, snapshotBytes);
}

/** Re-signs the snapshot (new version, new expiry) over the current targets.json, and the timestamp. */
export async function refreshSnapshot(o: OnlinePublishOptions): Promise<{ snapshotVersion: number; timestampVersion: number }> {
  return publishSnapshot(o, await readVersion(o.repo, 'targets.json'));
}

/** Length, sha256 and sha512 of a file, streamed. */
export async function describeFile(path: string): Promise<{ length: number; hashes: { sha256: string; sha512: string } }> {
  const sha256 = createHash('sha256');
  const sha512 = createHash('sha512');
  for await (const chunk of createReadStream(path)) {
    sha256.update(chunk as Buffer);
    sha512.update(chunk as Buffer);
  }
  return { length: (await stat(path)).size, hashes: { sha256: sha256.digest('hex'), sha512: sha512.digest('hex') } };
}

export interface TargetCustom {
  version: string;
  hardware: string;
  channel: string;
  minVersion: string;
}

/** Copies `file` to targets/<name> and publishes it as a target with its custom fields. */
/** A target name the repository accepts: one plain file name. */
export const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** The next version of targets.json: `current` plus (or with a replaced) `target`, a new expiry. */
export function nextTargets(current: Targets, target: { name: string; length: number; hashes: Record<string, string>; custom: TargetCustom }, now: number, expiryDays = DEFAULT_EXPIRY_DAYS.targets): Targets {
  if (!TARGET_NAME.test(target.name)) throw new Error(`target name ${JSON.stringify(target.name)} must be a plain file name`);
  const file = new TargetFile({ path: target.name, length: target.length, hashes: target.hashes, unrecognizedFields: { custom: { ...target.custom } } });
  return new Targets({ version: current.version + 1, specVersion: SPEC_VERSION, expires: expiresAfterDays(now, expiryDays), targets: { ...current.targets, [target.name]: file } });
}

/** Copies `file` to targets/<name> and publishes it as a target with its custom fields. */
export async function addTarget(o: PublishOptions & { file: string; name: string; custom: TargetCustom }): Promise<TargetFile> {
  if (!TARGET_NAME.test(o.name)) throw new Error(`target name ${JSON.stringify(o.name)} must be a plain file name`);
  const dest = join(targetsDir(o.repo), o.name);
  await mkdir(targetsDir(o.repo), { recursive: true });
  const tmp = `${dest}.tmp`;
  await copyFile(o.file, tmp);
  await rename(tmp, dest);
  const next = nextTargets((await readTargets(o.repo)).signed, { name: o.name, ...(await describeFile(dest)), custom: o.custom }, o.now, days(o, 'targets'));
  await publishTargets(o, next);
  return next.targets[o.name] as TargetFile;
}

/**
 * Root key rotation: root N+1 lists the new root keys (and threshold) and is signed by
 * the old root keys (meeting the old threshold) and by the new ones, as boxes check both.
 */
export async function rotateRoot(o: { repo: string; now: number; oldRootKeys: readonly SigningKey[]; newKeys: Record<RoleName, readonly SigningKey[]>; rootThreshold: number; expiryDays?: number }): Promise<number> {
  const current = (await readRoot(o.repo)).signed;
  const version = current.version + 1;
  const root = signMetadata(buildRoot({ version, now: o.now, keys: o.newKeys, rootThreshold: o.rootThreshold, expiryDays: o.expiryDays }), [...o.oldRootKeys, ...o.newKeys.root.filter((k) => !o.oldRootKeys.some((old) => old.keyId === k.keyId))]);
  await writeMetadata(o.repo, `${version}.root.json`, root);
  await writeMetadata(o.repo, 'root.json', root);
  return version;
}
