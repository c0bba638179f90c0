import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Clock } from '../../platform/clock.ts';
import { systemClock } from '../../platform/clock.ts';
import { err, ok } from '../../protocol/core/result.ts';
import type { Result } from '../../protocol/core/result.ts';
import { rightsError } from './errors.ts';
import type { RightsError } from './errors.ts';
import type { RightsDeletes, RightsDeltaMessage, RightsRecords, RightsSnapshotMessage } from './model.ts';
import { applyChanges, emptyPlainMaps, mapsToRecords, MEMBER_CHILD_KINDS, normalise, RECORD_KINDS, recordId, recordMaps } from './records.ts';
import type { RecordDeletes, RecordKind, RecordMaps } from './records.ts';
import { insertSql, otherSet, pruneCountedVisitsSql, RIGHTS_SCHEMA, rowOf, tableOf } from './schema.ts';
import type { TableSet } from './schema.ts';
import { SnapshotStaging } from './snapshot-staging.ts';
import { findInvalidData, findInvalidDeletes } from './validate.ts';
import { buildRightsIndex, createRightsView, updateRightsIndex } from './view.ts';
import type { RightsIndex } from './view.ts';
import type { RightsView } from './types.ts';
import { useDurably } from '../../platform/sqlite.ts';

export interface RightsStoreOptions {
  readonly clock?: Clock;
}

export type SnapshotProgress =
  | { readonly status: 'applied'; readonly version: number }
  /** A chunked snapshot still waiting for chunks; the current version is unchanged. */
  | { readonly status: 'pending'; readonly version: number; readonly received: number; readonly chunks: number };

/** The fields of the contract's `rights/status` message (the uplink adds `v`). */
export interface RightsStatus {
  readonly clubId: string | null;
  readonly version: number;
  readonly appliedAt: number | null;
  readonly members: number;
}

export interface AppliedVersion {
  readonly version: number;
  readonly kind: 'snapshot' | 'delta';
  readonly baseVersion: number | null;
  readonly appliedAt: number;
  readonly records: number;
}

/**
 * The box's copy of the members' rights: a SQLite file (WAL, synchronous FULL) plus an
 * in-memory index, so that view() and decide() need no I/O. A delta is applied in one
 * transaction; a snapshot is staged chunk by chunk in the inactive table set and made
 * current in one short transaction. On any error nothing changes and the previous version
 * stays current. One process per file.
 */
export class RightsStore {
  private maps: RecordMaps = recordMaps(emptyPlainMaps());
  private index: RightsIndex = buildRightsIndex(mapsToRecords(this.maps));
  private localVisits = new Map<string, number[]>();
  private currentVersion = 0;
  private clubId: string | null = null;
  private clubName_: string | null = null;
  private appliedAt: number | null = null;
  private active: TableSet = 'a';
  private staging: SnapshotStaging | undefined;
  private currentView: RightsView;

  private constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
    /** Where a corrupt store file was moved at open, or null. */
    readonly corruptFileMovedTo: string | null,
  ) {
    this.currentView = createRightsView(0, this.index);
  }

  /**
   * A file SQLite reports as corrupt (or not a database, or holding unreadable records) is
   * moved aside to `<path>.corrupt-<epoch ms>` and the store starts empty at version 0:
   * rights can be downloaded again (`rights/request` reason `corrupt`), a box that cannot
   * start cannot. `corruptFileMovedTo` says where it went. Other errors (permissions, no
   * such directory) are thrown: they are configuration faults.
   */
  static open(path: string, options: RightsStoreOptions = {}): RightsStore {
    const clock = options.clock ?? systemClock;
    try {
      return RightsStore.openFile(path, clock, null);
    } catch (e) {
      if (!isCorruption(e)) throw e;
      const aside = `${path}.corrupt-${clock.now()}`;
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
      return RightsStore.openFile(path, clock, aside);
    }
  }

  private static openFile(path: string, clock: Clock, corruptFileMovedTo: string | null): RightsStore {
    const db = new Database(path);
    try {
      // Decisions read the in-memory index; the file is written by deltas and snapshots.
      useDurably(db, 2048);
      db.pragma('foreign_keys = ON');
      db.exec(RIGHTS_SCHEMA);
      const store = new RightsStore(db, clock, corruptFileMovedTo);
      store.load();
      return store;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  version(): number {
    return this.currentVersion;
  }

  /** The current immutable view; keep using an old one safely while a new version lands. */
  view(): RightsView {
    return this.currentView;
  }

  /**
   * Applies a snapshot message or one chunk of it (the snapshot becomes current when its
   * last chunk is in). Refused if older than the current version of the same club; the
   * same version re-applies; a snapshot of another club replaces everything whatever its
   * version. A chunk of another club/version/chunk count starts a new staging.
   */
  applySnapshot(message: RightsSnapshotMessage): Result<SnapshotProgress, RightsError> {
    if (!Number.isSafeInteger(message.version) || message.version < 0) return err(rightsError('RIGHTS_INVALID', '/version: not a non-negative integer'));
    const stale = this.staleSnapshot(message);
    if (stale !== undefined) return err(stale);
    const problem = findInvalidData(message.data);
    if (problem !== undefined) return err(rightsError('RIGHTS_INVALID', problem));
    const now = this.clock.now();
    const started = this.guard(() => {
      if (this.staging === undefined || !this.staging.matches(message)) this.staging = SnapshotStaging.start(this.db, otherSet(this.active), message);
      this.staging.write(message, now);
      return this.staging;
    });
    if (!started.ok) {
      this.staging = undefined;
      return started;
    }
    const staging = started.value;
    if (!staging.complete) return ok({ status: 'pending', version: message.version, received: staging.receivedCount, chunks: message.chunks });
    this.staging = undefined;
    const dangling = staging.danglingReference();
    if (dangling !== undefined) return err(rightsError('RIGHTS_INVALID', dangling, { sqlite: 'SQLITE_CONSTRAINT_FOREIGNKEY' }));
    const flipped = this.guard(() =>
      this.db.transaction(() => this.finishApply(staging.target, message, 'snapshot', null, now, staging.records)).immediate(),
    );
    if (!flipped.ok) return flipped;
    this.active = staging.target;
    this.clubId = message.clubId;
    this.clubName_ = message.clubName ?? this.clubName_;
    this.appliedAt = now;
    this.install(message.version, recordMaps(staging.maps), staging.index.build());
    return ok({ status: 'applied', version: message.version });
  }

  /** Applies a delta message on top of `baseVersion`, which must be the current version of the same club. */
  applyDelta(message: RightsDeltaMessage): Result<{ version: number }, RightsError> {
    if (this.clubId === null || message.baseVersion !== this.currentVersion) {
      return err(rightsError('RIGHTS_BASE_MISMATCH', `delta base ${message.baseVersion} is not the current version ${this.currentVersion}`, { current: this.currentVersion }));
    }
    if (message.clubId !== this.clubId) return err(rightsError('RIGHTS_WRONG_CLUB', `delta for club ${message.clubId}, store holds club ${this.clubId}`));
    if (!Number.isSafeInteger(message.version) || message.version <= message.baseVersion) {
      return err(rightsError('RIGHTS_STALE_VERSION', `delta version ${message.version} does not move past ${message.baseVersion}`));
    }
    const problem = findInvalidData(message.upserts) ?? findInvalidDeletes(message.deletes);
    if (problem !== undefined) return err(rightsError('RIGHTS_INVALID', problem));
    const now = this.clock.now();
    const set = this.active;
    const upserts: Partial<Record<RecordKind, unknown[]>> = {};
    for (const kind of RECORD_KINDS) upserts[kind] = message.upserts[kind].map((r) => normalise(kind, r, now));
    const written = this.guard(() =>
      this.db
        .transaction(() => {
          const deletes = this.withMemberCascade(message.deletes);
          let count = 0;
          for (const kind of RECORD_KINDS) {
            const remove = this.db.prepare(`DELETE FROM ${tableOf(set, kind)} WHERE id = ?`);
            for (const id of deletes[kind] ?? []) count += remove.run(id).changes;
          }
          for (const kind of RECORD_KINDS) {
            const upsert = this.db.prepare(insertSql(set, kind, true));
            for (const record of (upserts[kind] ?? []) as RightsRecords[RecordKind][number][]) {
              upsert.run(rowOf(kind, recordId(kind, record), record));
              count++;
            }
          }
          this.finishApply(set, message, 'delta', message.baseVersion, now, count);
          return deletes;
        })
        .immediate(),
    );
    if (!written.ok) return written;
    const { maps, changes } = applyChanges(this.maps, written.value, upserts as Partial<RightsRecords>);
    this.clubName_ = message.clubName ?? this.clubName_;
    this.appliedAt = now;
    this.install(message.version, maps, updateRightsIndex(this.index, maps, changes));
    return ok({ version: message.version });
  }

  /** What `rights/status` reports: the club, the version decided with, when it landed, how many members. */
  status(): RightsStatus {
    return { clubId: this.clubId, version: this.currentVersion, appliedAt: this.appliedAt, members: this.maps.members.size };
  }

  /** The club's display name as the fleet last sent it (the totem's header), or null. */
  get clubName(): string | null {
    return this.clubName_;
  }

  /**
   * Records that a pass consumed one visit of a pack right (after the passage was
   * confirmed). Idempotent per pass id. The view's visitsLeft() counts it at once.
   */
  recordVisit(rightId: string, passId: string, at: number): Result<void, RightsError> {
    const written = this.guard(() => this.db.prepare('INSERT OR IGNORE INTO local_visits (pass_id, right_id, at) VALUES (?, ?, ?)').run(passId, rightId, at).changes > 0);
    if (!written.ok) return written;
    if (written.value) {
      const visits = new Map(this.localVisits);
      visits.set(rightId, [...(visits.get(rightId) ?? []), at]);
      this.localVisits = visits;
      this.currentView = createRightsView(this.currentVersion, this.index, this.localVisits);
    }
    return ok(undefined);
  }

  /** The most recent applies, newest first (what version arrived when, and how). */
  history(limit = 20): readonly AppliedVersion[] {
    return this.db
      .prepare('SELECT version, kind, base_version AS baseVersion, applied_at AS appliedAt, records FROM applied_versions ORDER BY rowid DESC LIMIT ?')
      .all(limit) as AppliedVersion[];
  }

  close(): void {
    this.db.close();
  }

  private staleSnapshot(message: RightsSnapshotMessage): RightsError | undefined {
    if (message.clubId !== this.clubId || message.version >= this.currentVersion) return undefined;
    return rightsError('RIGHTS_STALE_VERSION', `snapshot ${message.version} is older than current ${this.currentVersion}`);
  }

  private finishApply(set: TableSet, message: { readonly clubId: string; readonly version: number; readonly clubName?: string }, kind: 'snapshot' | 'delta', base: number | null, now: number, count: number): void {
    const setMeta = this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    setMeta.run('active', set);
    setMeta.run('version', String(message.version));
    setMeta.run('clubId', message.clubId);
    if (message.clubName !== undefined) setMeta.run('clubName', message.clubName);
    this.db.prepare('INSERT INTO applied_versions (version, kind, base_version, applied_at, records) VALUES (?, ?, ?, ?, ?)').run(message.version, kind, base, now, count);
    this.db.prepare(pruneCountedVisitsSql(set)).run();
  }

  /** The deletes plus every record of a deleted member (what ON DELETE CASCADE removes), by id. */
  private withMemberCascade(deletes: RightsDeletes): RecordDeletes {
    const members = deletes.members;
    if (members.length === 0) return deletes;
    const out: Record<string, string[]> = {};
    for (const kind of MEMBER_CHILD_KINDS) {
      const select = this.db.prepare(`SELECT id FROM ${tableOf(this.active, kind)} WHERE member_id = ?`).pluck();
      out[kind] = [...deletes[kind]];
      for (const memberId of members) out[kind].push(...(select.all(memberId) as string[]));
    }
    return { ...deletes, ...out };
  }

  private install(version: number, maps: RecordMaps, index: RightsIndex): void {
    this.maps = maps;
    this.currentVersion = version;
    this.index = index;
    this.localVisits = this.readLocalVisits();
    this.currentView = createRightsView(version, this.index, this.localVisits);
  }

  private load(): void {
    const meta = new Map((this.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    this.active = meta.get('active') === 'b' ? 'b' : 'a';
    this.clubId = meta.get('clubId') ?? null;
    this.clubName_ = meta.get('clubName') ?? null;
    this.appliedAt = this.history(1)[0]?.appliedAt ?? null;
    const maps = emptyPlainMaps() as Record<RecordKind, Map<string, unknown>>;
    for (const kind of RECORD_KINDS) {
      for (const { data } of this.db.prepare(`SELECT data FROM ${tableOf(this.active, kind)}`).iterate() as Iterable<{ data: string }>) {
        const record = JSON.parse(data) as RightsRecords[RecordKind][number];
        maps[kind].set(recordId(kind, record), record);
      }
    }
    const loaded = recordMaps(maps as unknown as ReturnType<typeof emptyPlainMaps>);
    this.install(Number(meta.get('version') ?? 0), loaded, buildRightsIndex(mapsToRecords(loaded)));
  }

  private readLocalVisits(): Map<string, number[]> {
    const visits = new Map<string, number[]>();
    for (const v of this.db.prepare('SELECT right_id AS rightId, at FROM local_visits').iterate() as Iterable<{ rightId: string; at: number }>) {
      visits.set(v.rightId, [...(visits.get(v.rightId) ?? []), v.at]);
    }
    return visits;
  }

  /** Runs SQLite work, turning its exceptions into coded errors (constraint = invalid data). */
  private guard<T>(work: () => T): Result<T, RightsError> {
    try {
      return ok(work());
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      const message = e instanceof Error ? e.message : String(e);
      if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) return err(rightsError('RIGHTS_INVALID', message, { sqlite: code }));
      return err(rightsError('RIGHTS_STORAGE', message, { sqlite: code }));
    }
  }
}

function isCorruption(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return e instanceof SyntaxError || code === 'SQLITE_NOTADB' || (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT'));
}
