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
 * any order and twice. Rows go in with foreign keys off (a member and its credentials may
 * sit in different chunks); references are tracked in memory and must all be resolved
 * when the last chunk is in. Uniqueness is checked by SQLite as rows go in. The
 * in-memory records and their index are built alongside, chunk by chunk, so the store
 * installs them at the flip without a full pass.
 */
export class SnapshotStaging {
  readonly maps = emptyPlainMaps();
  readonly index = new RightsIndexBuilder();
  private readonly received = new Set<number>();
  /** Members that staged records refer to and no chunk brought yet. */
  private readonly unresolved = new Set<string>();
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
    for (const m of message.data.members) this.unresolved.delete(m.id);
    for (const kind of MEMBER_CHILD_KINDS) {
      for (const r of message.data[kind]) if (!this.maps.members.has(r.memberId)) this.unresolved.add(r.memberId);
    }
    this.count += staged.length;
    this.received.add(message.chunk);
  }

  /** A member that records refer to and no chunk brought, or undefined (checked in memory, as chunks arrive). */
  danglingReference(): string | undefined {
    for (const memberId of this.unresolved) return `/members: records refer to member ${memberId}, which is not in the snapshot`;
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
