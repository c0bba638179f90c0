import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { StoreError } from './errors.ts';

export const defaultMigrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
/** PostgreSQL's edition of the same migrations: one file per version of migrations/. */
export const defaultPgMigrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'pg-migrations');

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrationReport {
  readonly applied: number[];
  readonly current: number;
}

const FILE_NAME = /^(\d{3,})-([a-z0-9][a-z0-9-]*)\.sql$/;

/**
 * Every `NNN-name.sql` file of the folder, in version order. Versions need not be
 * contiguous: the core schema uses 001-099, the API's tables 100+, so two people can add
 * migrations without renumbering each other's.
 */
export function loadMigrations(dir: string = defaultMigrationsDir): Migration[] {
  const out: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const m = FILE_NAME.exec(file);
    if (!m) throw new StoreError('STORE_MIGRATION_NAME', `migration file ${file} is not named NNN-name.sql`);
    const sql = readFileSync(join(dir, file), 'utf8');
    const version = Number(m[1]);
    if (out.some((x) => x.version === version)) throw new StoreError('STORE_MIGRATION_DUPLICATE', `two migrations have version ${version}`);
    out.push({ version, name: m[2] as string, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return out.sort((a, b) => a.version - b.version);
}

/**
 * Applies, each in its own transaction, every migration not yet recorded in
 * `schema_migrations`. An applied migration whose file changed is refused: the database
 * and the code would disagree on the schema.
 */
export function runMigrations(db: Database.Database, dir: string = defaultMigrationsDir): MigrationReport {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const done = new Map<number, string>();
  for (const row of db.prepare('SELECT version, checksum FROM schema_migrations').all() as { version: number; checksum: string }[]) {
    done.set(row.version, row.checksum);
  }
  const applied: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)');
  for (const m of loadMigrations(dir)) {
    const known = done.get(m.version);
    if (known !== undefined) {
      if (known !== m.checksum) throw new StoreError('STORE_MIGRATION_CHANGED', `migration ${m.version}-${m.name} was edited after it was applied`);
      continue;
    }
    try {
      db.transaction(() => {
        db.exec(m.sql);
        record.run(m.version, m.name, m.checksum, Date.now());
      })();
    } catch (e) {
      throw new StoreError('STORE_MIGRATION_FAILED', `migration ${m.version}-${m.name} failed: ${(e as Error).message}`, e);
    }
    applied.push(m.version);
  }
  const current = (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  return { applied, current };
}
