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
import { SnapshotAssembler } from './snapshot-assembler.ts';
import { PRUNE_COUNTED_VISITS, RIGHTS_SCHEMA } from './schema.ts';
import { findInvalidData, findInvalidDeletes } from './validate.ts';
import { buildRightsIndex, createRightsView, updateRightsIndex } from './view.ts';
import type { RightsIndex } from './view.ts';
import type { RightsView } from './types.ts';

export interface RightsStoreOptions {
  readonly clock?: Clock;
}

export type SnapshotProgress =
  | { readonly status: 'applied'; readonly version: number }
  /** A chunked snapshot still waiting for chunks; nothing applied yet. */
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
 * in-memory index rebuilt on each apply, so that view() and decide() need no I/O. A
 * snapshot or a delta is applied in one transaction: on any error nothing changes and the
 * previous version stays current. Not safe for several processes on one file.
 */
export class RightsStore {
  private maps: RecordMaps = recordMaps(emptyPlainMaps());
  private index: RightsIndex = buildRightsIndex(mapsToRecords(this.maps));
  private localVisits = new Map<string, number[]>();
  private currentVersion = 0;
  private clubId: string | null = null;
  private appliedAt: number | null = null;
  private readonly assembler = new SnapshotAssembler();
  private currentView: RightsView;

  private constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
    /** Where a corrupt store file was moved at open, or null. */
    readonly corruptFileMovedTo: string | null,
  ) {
    this.currentView = createRightsView(0, this.index);
  }

  /** Opens (creating if needed) the store file and loads it into memory. */
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
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
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
   * Applies a snapshot message (or one chunk of it: the snapshot is applied when its last
   * chunk arrives). Refused if older than the current version of the same club; the same
   * version re-applies; a snapshot of another club replaces everything whatever its version.
   */
  applySnapshot(message: RightsSnapshotMessage): Result<SnapshotProgress, RightsError> {
    if (!Number.isSafeInteger(message.version) || message.version < 0) return err(rightsError('RIGHTS_INVALID', '/version: not a non-negative integer'));
    if (message.clubId === this.clubId && message.version < this.currentVersion) {
      return err(rightsError('RIGHTS_STALE_VERSION', `snapshot ${message.version} is older than current ${this.currentVersion}`));
    }
    const problem = findInvalidData(message.data);
    if (problem !== undefined) return err(rightsError('RIGHTS_INVALID', problem));
    const assembled = this.assembler.add(message);
    if (!assembled.complete) return ok({ status: 'pending', version: message.version, received: assembled.received, chunks: message.chunks });
    const data = assembled.data;
    const now = this.clock.now();
    const maps = emptyPlainMaps() as Record<RecordKind, Map<string, unknown>>;
    const written = this.transaction(() => {
      for (const kind of [...RECORD_KINDS].reverse()) this.db.prepare(`DELETE FROM ${kind}`).run();
      let count = 0;
      for (const kind of RECORD_KINDS) {
        const insert = this.db.prepare(insertSql(kind, false));
        for (const raw of data[kind]) {
          const record = normalise(kind, raw, now);
          insert.run(rowOf(kind, record));
          maps[kind].set(recordId(kind, record), record);
          count++;
        }
      }
      this.finishApply(message.clubId, message.version, 'snapshot', null, now, count);
    });
    if (!written.ok) return written;
    const loaded = recordMaps(maps as unknown as ReturnType<typeof emptyPlainMaps>);
    this.clubId = message.clubId;
    this.appliedAt = now;
    this.install(message.version, loaded, buildRightsIndex(mapsToRecords(loaded)));
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
    const upserts: Partial<Record<RecordKind, unknown[]>> = {};
    for (const kind of RECORD_KINDS) upserts[kind] = message.upserts[kind].map((r) => normalise(kind, r, now));
    const written = this.transaction(() => {
      const deletes = this.withMemberCascade(message.deletes);
      let count = 0;
      for (const kind of RECORD_KINDS) {
        const remove = this.db.prepare(`DELETE FROM ${kind} WHERE id = ?`);
        for (const id of deletes[kind] ?? []) count += remove.run(id).changes;
      }
      for (const kind of RECORD_KINDS) {
        const upsert = this.db.prepare(insertSql(kind, true));
        for (const record of upserts[kind] ?? []) {
          upsert.run(rowOf(kind, record as RightsRecords[RecordKind][number]));
          count++;
        }
      }
      this.finishApply(message.clubId, message.version, 'delta', message.baseVersion, now, count);
      return deletes;
    });
    if (!written.ok) return written;
    const { maps, changes } = applyChanges(this.maps, written.value, upserts as Partial<RightsRecords>);
    this.appliedAt = now;
    this.assembler.reset();
    this.install(message.version, maps, updateRightsIndex(this.index, maps, changes));
    return ok({ version: message.version });
  }

  /** What `rights/status` reports: the club, the version decided with, when it landed, how many members. */
  status(): RightsStatus {
    return { clubId: this.clubId, version: this.currentVersion, appliedAt: this.appliedAt, members: this.maps.members.size };
  }

  /**
   * Records that a pass consumed one visit of a pack right (after the passage was
   * confirmed). Idempotent per pass id. The view's visitsLeft() counts it at once.
   */
  recordVisit(rightId: string, passId: string, at: number): Result<void, RightsError> {
    const written = this.transaction(() => {
      const changes = this.db.prepare('INSERT OR IGNORE INTO local_visits (pass_id, right_id, at) VALUES (?, ?, ?)').run(passId, rightId, at).changes;
      return changes > 0;
    });
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

  private finishApply(clubId: string, version: number, kind: 'snapshot' | 'delta', base: number | null, now: number, count: number): void {
    const setMeta = this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    setMeta.run('version', String(version));
    setMeta.run('clubId', clubId);
    this.db.prepare('INSERT INTO applied_versions (version, kind, base_version, applied_at, records) VALUES (?, ?, ?, ?, ?)').run(version, kind, base, now, count);
    this.db.prepare(PRUNE_COUNTED_VISITS).run();
  }

  /** The deletes plus every record of a deleted member (what ON DELETE CASCADE removes), by id. */
  private withMemberCascade(deletes: RightsDeletes): RecordDeletes {
    const members = deletes.members ?? [];
    if (members.length === 0) return deletes;
    const out: Record<string, string[]> = {};
    for (const kind of MEMBER_CHILD_KINDS) {
      const select = this.db.prepare(`SELECT id FROM ${kind} WHERE member_id = ?`).pluck();
      out[kind] = [...(deletes[kind] ?? [])];
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
    this.clubId = meta.get('clubId') ?? null;
    const last = this.history(1)[0];
    this.appliedAt = last === undefined ? null : last.appliedAt;
    const maps = emptyPlainMaps() as Record<RecordKind, Map<string, unknown>>;
    for (const kind of RECORD_KINDS) {
      for (const { data } of this.db.prepare(`SELECT data FROM ${kind}`).iterate() as Iterable<{ data: string }>) {
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

  private transaction<T>(work: () => T): Result<T, RightsError> {
    try {
      return ok(this.db.transaction(work).immediate());
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

const CHILD_KINDS: ReadonlySet<RecordKind> = new Set(MEMBER_CHILD_KINDS);

function columnsOf(kind: RecordKind): readonly string[] {
  if (kind === 'credentials') return ['id', 'member_id', 'kind', 'value', 'data'];
  if (kind === 'rights') return ['id', 'member_id', 'counted_until', 'data'];
  return CHILD_KINDS.has(kind) ? ['id', 'member_id', 'data'] : ['id', 'data'];
}

function insertSql(kind: RecordKind, upsert: boolean): string {
  const cols = columnsOf(kind);
  const base = `INSERT INTO ${kind} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`;
  if (!upsert) return base;
  return `${base} ON CONFLICT(id) DO UPDATE SET ${cols.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ')}`;
}

function rowOf(kind: RecordKind, record: RightsRecords[RecordKind][number]): Record<string, unknown> {
  const r = record as unknown as Record<string, unknown>;
  const row: Record<string, unknown> = { id: recordId(kind, record), data: JSON.stringify(record) };
  if (CHILD_KINDS.has(kind)) row.member_id = r.memberId;
  if (kind === 'credentials') Object.assign(row, { kind: r.kind, value: r.value });
  if (kind === 'rights') row.counted_until = r.visitsCountedUntil ?? null;
  return row;
}
