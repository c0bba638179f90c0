import type pg from 'pg';
import { StoreError } from './errors.ts';
import { defaultPgMigrationsDir, loadMigrations, type MigrationReport } from './migrate.ts';

/** Held while migrating, so that instances starting together apply each migration once. */
const MIGRATION_LOCK = 0x52425831; // "RBX1"

/**
 * PostgreSQL's migrate.ts: the same numbered files, the same checksum rule (an applied
 * migration whose file changed is refused), each migration in its own transaction, all
 * of it under an advisory lock.
 */
export async function runPgMigrations(client: pg.ClientBase, dir: string = defaultPgMigrationsDir, now: () => number = Date.now): Promise<MigrationReport> {
  const migrations = loadMigrations(dir);
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version BIGINT PRIMARY KEY,
      name TEXT NOT NULL,
      checksum TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`);
    const done = new Map<number, string>();
    for (const row of (await client.query<{ version: string; checksum: string }>('SELECT version, checksum FROM schema_migrations')).rows) done.set(Number(row.version), row.checksum);
    const applied: number[] = [];
    for (const m of migrations) {
      const known = done.get(m.version);
      if (known !== undefined) {
        if (known !== m.checksum) throw new StoreError('STORE_MIGRATION_CHANGED', `migration ${m.version}-${m.name} was edited after it was applied`);
        continue;
      }
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)', [m.version, m.name, m.checksum, now()]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new StoreError('STORE_MIGRATION_FAILED', `migration ${m.version}-${m.name} failed: ${(e as Error).message}`, e);
      }
      applied.push(m.version);
    }
    const current = Number((await client.query<{ v: string | null }>('SELECT MAX(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0);
    return { applied, current };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
