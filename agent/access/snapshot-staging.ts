import type Database from 'better-sqlite3';
import type { RightsRecords, RightsSnapshotMessage } from './model.ts';
import { emptyPlainMaps, normalise, RECORD_KINDS, recordId } from './records.ts';
import type { RecordKind } from './records.ts';
import { CLEAR_ORDER, insertSql, MEMBER_CHILD_KINDS, rowOf, tableOf } from './schema.ts';
import type { TableSet } from './schema.ts';
import { RightsIndexBuilder } from './view.ts';

/**
 * Writes one snapshot, chunk by chunk, into the inactive table set, so each chunk costs
 * what its own records cost (the contract caps a message at 4 MiB). Chunks may arrive in
 * any order and twice. Foreign keys are checked once all chunks are in (a member and its
 * credentials may sit in different chunks); uniqueness is checked as rows go in. The
 * in-memory records and their index are built alongside, chunk by chunk, so the store
 * installs them at the flip without a full pass.
 */
export class SnapshotStaging {
  readonly maps = emptyPlainMaps();
  readonly index = new RightsIndexBuilder();
  private readonly received = new Set<number>();
  private count = 0;

  private constructor(
    private readonly db: Database.Database,
    readonly target: TableSet,
    readonly clubId: string,
    readonly version: number,
    readonly chunks: number,
  ) {}

  /** Empties the target set (foreign keys off, so SQLite truncates instead of deleting row by row). */
  static start(db: Database.Database, target: TableSet, message: RightsSnapshotMessage): SnapshotStaging {
    withoutForeignKeys(db, () => db.transaction(() => {
      for (const kind of CLEAR_ORDER) db.prepare(`DELETE FROM ${tableOf(target, kind)}`).run();
    })());
    return new SnapshotStaging(db, target, message.clubId, message.version, message.chunks);
  }

  matches(message: RightsSnapshotMessage): boolean {
    return message.clubId === this.clubId && message.version === this.version && message.chunks === this.chunks;
  }

  get receivedCount(): number {
    return this.received.size;
  }

  get complete(): boolean {
    return this.received.size === this.chunks;
  }

  get records(): number {
    return this.count;
  }

  /** Inserts one chunk in one transaction; throws SQLite's error (constraint) with nothing of the chunk kept. */
  write(message: RightsSnapshotMessage, now: number): void {
    if (this.received.has(message.chunk)) return;
    const staged: [RecordKind, string, unknown][] = [];
    withoutForeignKeys(this.db, () =>
      this.db.transaction(() => {
        for (const kind of RECORD_KINDS) {
          const insert = this.db.prepare(insertSql(this.target, kind, false));
          for (const raw of message.data[kind]) {
            const record = normalise(kind, raw, now);
            const id = recordId(kind, record);
            insert.run(rowOf(kind, id, record));
            staged.push([kind, id, record]);
          }
        }
      })(),
    );
    const chunk: Record<string, unknown[]> = {};
    for (const [kind, id, record] of staged) {
      (this.maps[kind] as Map<string, unknown>).set(id, record);
      (chunk[kind] ??= []).push(record);
    }
    this.index.add(chunk as Partial<RightsRecords>);
    this.count += staged.length;
    this.received.add(message.chunk);
  }

  /** The first child row whose member is missing, or undefined. */
  danglingReference(): string | undefined {
    for (const kind of MEMBER_CHILD_KINDS) {
      const row = this.db.prepare(`PRAGMA foreign_key_check(${tableOf(this.target, kind)})`).get() as { rowid: number } | undefined;
      if (row !== undefined) return `/${kind}: a record refers to a member that is not in the snapshot`;
    }
    return undefined;
  }
}

function withoutForeignKeys(db: Database.Database, work: () => void): void {
  db.pragma('foreign_keys = OFF');
  try {
    work();
  } finally {
    db.pragma('foreign_keys = ON');
  }
}
