import { openDatabase, type SqliteDb } from './db.ts';
import { SqliteLiveProbe } from './live-probe.ts';
import type { FleetStore } from './repositories.ts';
import { sqlRepositories } from './sql-repositories.ts';
import { sqliteSql } from './sqlite-sql.ts';

export interface SqliteFleetStore extends FleetStore {
  /** For tests that plant faults (triggers) and for migrate-store; nothing else should reach for it. */
  readonly db: SqliteDb;
}

/**
 * Opens the SQLite file (":memory:" for throwaway use), migrates it, builds the
 * repositories. One connection serves every caller: sqlite-sql.ts keeps statements made
 * outside a transaction out of the one that is open.
 */
export function openSqliteStore(path: string, options: { migrationsDir?: string } = {}): SqliteFleetStore {
  const { db } = openDatabase(path, options);
  const sql = sqliteSql(db);
  const txRepositories = sqlRepositories(sql.tx, new SqliteLiveProbe(sql.tx));
  return {
    db,
    ...sqlRepositories(sql, new SqliteLiveProbe(sql)),
    transaction: (fn) => sql.transaction(() => fn(txRepositories)),
    close: () =>
      sql.exclusive((raw) => {
        raw.close();
      }),
  };
}
