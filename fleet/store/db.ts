import Database from 'better-sqlite3';
import { runMigrations, type MigrationReport } from './migrate.ts';
import { addPostgresFunctions } from './sqlite-sql.ts';

export type SqliteDb = Database.Database;

export interface OpenDatabaseOptions {
  /** Folder of numbered migrations; defaults to ./migrations next to this file. */
  migrationsDir?: string;
}

/**
 * Opens (or creates) the fleet database: WAL so that readers (the API) never block the
 * ingest writer, foreign keys on, a busy timeout for the rare concurrent writer, then
 * applies every pending migration.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): { db: SqliteDb; migrations: MigrationReport } {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode is durable against process crashes; a power cut may lose the last
    // transactions but never corrupts. Passes survive on the box until acked, and acks
    // are only sent after commit, so a lost commit is re-sent by the box.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    addPostgresFunctions(db);
    const migrations = runMigrations(db, options.migrationsDir);
    return { db, migrations };
  } catch (e) {
    db.close();
    throw e;
  }
}
