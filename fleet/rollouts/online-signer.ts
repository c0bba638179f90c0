import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Metadata, MetadataKind, type Targets } from '@tufjs/models';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { apiError } from '../api/errors.ts';
import { writeFileAtomic } from './durable-file.ts';
import { describeFile, metadataDir, publishSnapshot, readRoot, readTargets, refreshSnapshot, refreshTimestamp, targetsDir, type OnlineKeys } from './tuf-repository.ts';

export interface OnlineSignerOptions {
  /** The repository directory the fleet serves. */
  repo: string;
  /** The snapshot and timestamp keys (the online roles); root and targets keys stay offline. */
  keys: OnlineKeys;
  clock: Clock;
  logger: Logger;
  expiryDays?: { snapshot?: number; timestamp?: number };
}

export interface PublishedTargets {
  targetsVersion: number;
  snapshotVersion: number;
  timestampVersion: number;
  /** The key ids whose signatures the targets role accepted. */
  signedBy: string[];
}

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = { snapshot: 7, timestamp: 1 } as const;

/**
 * The fleet's online TUF roles (docs/updates.md, "Keys"): it holds the snapshot and
 * timestamp keys, publishes a new snapshot and timestamp when support uploads a
 * targets.json signed offline, and re-signs them before they expire. Every write goes
 * through one chain, so an upload and a re-signing never interleave.
 */
export class OnlineSigner {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: OnlineSignerOptions) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private publishOptions() {
    return { repo: this.o.repo, keys: this.o.keys, now: this.o.clock.now(), expiryDays: { ...DEFAULT_DAYS, ...this.o.expiryDays } };
  }

  /** The root lists our keys for snapshot and timestamp; otherwise nothing we sign would be trusted. */
  private async checkKeys(): Promise<void> {
    const root = (await readRoot(this.o.repo)).signed;
    for (const role of ['snapshot', 'timestamp'] as const) {
      const listed = new Set(root.roles[role]?.keyIDs ?? []);
      if (!this.o.keys[role].some((k) => listed.has(k.keyId))) throw apiError('REPOSITORY_ONLINE_KEY_MISMATCH', `the repository root does not list the fleet's ${role} key (rotate it into root.json, docs/updates.md)`);
    }
  }

  /**
   * Takes a targets.json signed offline with the targets key: it must verify against the
   * root's targets role, be newer than the current one and not expired, and every target
   * it lists must be in the repository with that length and sha256. Then it is written as
   * given, with a new snapshot and timestamp.
   */
  acceptTargets(bytes: Buffer): Promise<PublishedTargets> {
    return this.serial(async () => {
      let md: Metadata<Targets>;
      try {
        md = Metadata.fromJSON(MetadataKind.Targets, JSON.parse(bytes.toString('utf8')) as never);
      } catch (e) {
        throw apiError('REPOSITORY_METADATA_INVALID', `targets.json: ${(e as Error).message}`);
      }
      const root = await readRoot(this.o.repo);
      try {
        root.verifyDelegate('targets', md);
      } catch (e) {
        throw apiError('REPOSITORY_SIGNATURE_INVALID', `targets.json: ${(e as Error).message}`);
      }
      const current = (await readTargets(this.o.repo)).signed;
      if (md.signed.version <= current.version) throw apiError('REPOSITORY_VERSION_NOT_NEWER', `targets.json version ${md.signed.version}, the repository has ${current.version}`, { current: current.version });
      if (md.signed.isExpired(new Date(this.o.clock.now()))) throw apiError('REPOSITORY_METADATA_INVALID', `targets.json expired at ${md.signed.expires}`);
      for (const [name, t] of Object.entries(md.signed.targets)) {
        const stored = await describeFile(join(targetsDir(this.o.repo), name)).catch(() => null);
        if (!stored) throw apiError('ARTIFACT_NOT_FOUND', `targets.json lists ${name}, which was not uploaded`);
        if (stored.length !== t.length || stored.hashes.sha256 !== t.hashes.sha256) throw apiError('REPOSITORY_TARGET_MISMATCH', `targets.json describes ${name} with other bytes than the uploaded file`, { name });
      }
      await this.checkKeys();
      await writeFileAtomic(join(metadataDir(this.o.repo), 'targets.json'), bytes);
      const published = await publishSnapshot(this.publishOptions(), md.signed.version);
      this.o.logger.info({ targetsVersion: md.signed.version, ...published }, 'targets published, snapshot and timestamp signed');
      return { targetsVersion: md.signed.version, ...published, signedBy: md.signatures ? Object.keys(md.signatures) : [] };
    });
  }

  /**
   * Re-signs what would expire within half its lifetime: the snapshot (7 days: from 3.5
   * days left) with a new timestamp, or the timestamp alone (1 day: from 12 h left).
   * Returns the roles re-signed. The periodic RepositoryResignJob calls it.
   */
  resignIfDue(): Promise<('snapshot' | 'timestamp')[]> {
    return this.serial(async () => {
      const days = { ...DEFAULT_DAYS, ...this.o.expiryDays };
      const now = this.o.clock.now();
      const left = async (file: string) => Date.parse((JSON.parse(await readFile(join(metadataDir(this.o.repo), file), 'utf8')) as { signed: { expires: string } }).signed.expires) - now;
      await this.checkKeys();
      if ((await left('snapshot.json')) < (days.snapshot * DAY_MS) / 2) {
        const v = await refreshSnapshot(this.publishOptions());
        this.o.logger.info(v, 'snapshot and timestamp re-signed');
        return ['snapshot', 'timestamp'];
      }
      if ((await left('timestamp.json')) < (days.timestamp * DAY_MS) / 2) {
        const timestampVersion = await refreshTimestamp(this.publishOptions());
        this.o.logger.info({ timestampVersion }, 'timestamp re-signed');
        return ['timestamp'];
      }
      return [];
    });
  }
}
