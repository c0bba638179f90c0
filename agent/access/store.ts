import Database from 'better-sqlite3';
import type { Clock } from '../../platform/clock.ts';
import { systemClock } from '../../platform/clock.ts';
import { err, ok } from '../../protocol/core/result.ts';
import type { Result } from '../../protocol/core/result.ts';
import { rightsError } from './errors.ts';
import type { RightsError } from './errors.ts';
import type { RightsDeletes, RightsDelta, RightsRecords, RightsSnapshot } from './model.ts';
import { applyChanges, emptyMaps, mapsToRecords, MEMBER_CHILD_KINDS, normalise, RECORD_KINDS, recordId } from './records.ts';
import type { RecordKind, RecordMaps } from './records.ts';
import { PRUNE_COUNTED_VISITS, RIGHTS_SCHEMA } from './schema.ts';
import { findInvalidDeletes, findInvalidRecord } from './validate.ts';
import { buildRightsIndex, createRightsView, updateRightsIndex } from './view.ts';
import type { RightsIndex } from './view.ts';
import type { RightsView } from './types.ts';

export interface RightsStoreOptions {
  readonly clock?: Clock;
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
  private maps: RecordMaps = emptyMaps();
  private index: RightsIndex = buildRightsIndex(mapsToRecords(emptyMaps()));
  private localVisits = new Map<string, number[]>();
  private currentVersion = 0;
  private currentView: RightsView;

  private constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {
    this.currentView = createRightsView(0, this.index);
  }

  /** Opens (creating if needed) the store file and loads it into memory. */
  static open(path: string, options: RightsStoreOptions = {}): RightsStore {
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.exec(RIGHTS_SCHEMA);
      const store = new RightsStore(db, options.clock ?? systemClock);
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

  /** Replaces everything. Refused if older than the current version (same version re-applies). */
  applySnapshot(snapshot: RightsSnapshot): Result<{ version: number }, RightsError> {
    if (!Number.isSafeInteger(snapshot.version) || snapshot.version < 0) return err(rightsError('RIGHTS_INVALID', 'version: not a non-negative integer'));
    if (snapshot.version < this.currentVersion) {
      return err(rightsError('RIGHTS_STALE_VERSION', `snapshot ${snapshot.version} is older than current ${this.currentVersion}`));
    }
    const problem = findInvalidRecord(snapshot);
    if (problem !== undefined) return err(rightsError('RIGHTS_INVALID', problem));
    const now = this.clock.now();
    const maps = emptyMaps() as Record<RecordKind, Map<string, unknown>>;
    const written = this.transaction(() => {
      for (const kind of [...RECORD_KINDS].reverse()) this.db.prepare(`DELETE FROM ${kind}`).run();
      let count = 0;
      for (const kind of RECORD_KINDS) {
        const insert = this.db.prepare(insertSql(kind, false));
        for (const raw of snapshot[kind]) {
          const record = normalise(kind, raw, now);
          insert.run(rowOf(kind, record));
          maps[kind].set(recordId(kind, record), record);
          count++;
        }
      }
      this.finishApply(snapshot.version, 'snapshot', null, now, count);
    });
    if (!written.ok) return written;
    this.install(snapshot.version, maps as unknown as RecordMaps, buildRightsIndex(mapsToRecords(maps as unknown as RecordMaps)));
    return ok({ version: snapshot.version });
  }

  /** Applies changes on top of `baseVersion`, which must be the current version. */
  applyDelta(delta: RightsDelta): Result<{ version: number }, RightsError> {
    if (delta.baseVersion !== this.currentVersion) {
      return err(rightsError('RIGHTS_BASE_MISMATCH', `delta base ${delta.baseVersion} is not the current version ${this.currentVersion}`, { current: this.currentVersion }));
    }
    if (!Number.isSafeInteger(delta.version) || delta.version <= delta.baseVersion) {
      return err(rightsError('RIGHTS_STALE_VERSION', `delta version ${delta.version} does not move past ${delta.baseVersion}`));
    }
    const problem = findInvalidRecord(delta.upserts) ?? findInvalidDeletes(delta.deletes);
    if (problem !== undefined) return err(rightsError('RIGHTS_INVALID', problem));
    const now = this.clock.now();
    const upserts: Partial<Record<RecordKind, unknown[]>> = {};
    for (const kind of RECORD_KINDS) upserts[kind] = (delta.upserts[kind] ?? []).map((r) => normalise(kind, r, now));
    const written = this.transaction(() => {
      const deletes = this.withMemberCascade(delta.deletes);
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
      this.finishApply(delta.version, 'delta', delta.baseVersion, now, count);
      return deletes;
    });
    if (!written.ok) return written;
    const { maps, changes } = applyChanges(this.maps, written.value, upserts as Partial<RightsRecords>);
    this.install(delta.version, maps, updateRightsIndex(this.index, maps, changes));
    return ok({ version: delta.version });
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

  private finishApply(version: number, kind: 'snapshot' | 'delta', base: number | null, now: number, count: number): void {
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(version));
    this.db.prepare('INSERT INTO applied_versions (version, kind, base_version, applied_at, records) VALUES (?, ?, ?, ?, ?)').run(version, kind, base, now, count);
    this.db.prepare(PRUNE_COUNTED_VISITS).run();
  }

  /** The deletes plus every record of a deleted member (what ON DELETE CASCADE removes), by id. */
  private withMemberCascade(deletes: RightsDeletes): RightsDeletes {
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
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'version'").get() as { value: string } | undefined;
    const maps = emptyMaps() as Record<RecordKind, Map<string, unknown>>;
    for (const kind of RECORD_KINDS) {
      for (const { data } of this.db.prepare(`SELECT data FROM ${kind}`).iterate() as Iterable<{ data: string }>) {
        const record = JSON.parse(data) as RightsRecords[RecordKind][number];
        maps[kind].set(recordId(kind, record), record);
      }
    }
    const loaded = maps as unknown as RecordMaps;
    this.install(row === undefined ? 0 : Number(row.value), loaded, buildRightsIndex(mapsToRecords(loaded)));
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

const CHILD_KINDS: ReadonlySet<RecordKind> = new Set(['credentials', 'rights', 'alerts', 'bookings']);

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
