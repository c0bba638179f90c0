import pg from 'pg';
import { StoreError } from './errors.ts';
import { PgLiveProbe } from './pg-live.ts';
import { runPgMigrations } from './pg-migrate.ts';
import { PgPoolSql, pgTypes } from './pg-sql.ts';
import type { FleetStore } from './repositories.ts';
import { sqlRepositories } from './sql-repositories.ts';

export interface PgStoreOptions {
  /** Folder of numbered migrations; defaults to ./pg-migrations next to this file. */
  readonly migrationsDir?: string;
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
}

export interface PgFleetStore extends FleetStore {
  /** For migrate-store, the advisory locks of singleton work and tests; nothing else should reach for it. */
  readonly pool: pg.Pool;
}

/**
 * Connects to PostgreSQL (`postgres://user:pass@host:port/db`), applies pending migrations,
 * and builds the same repositories as SQLite's over a connection pool. Each statement made
 * outside a transaction takes any pooled connection; a transaction holds one until it ends.
 */
export async function openPostgresStore(url: string, options: PgStoreOptions = {}): Promise<PgFleetStore> {
  const config: pg.PoolConfig = { connectionString: url, types: pgTypes, max: options.poolSize ?? 10, application_name: 'resabox-fleet' };
  const pool = new pg.Pool(config);
  // An idle pooled connection that breaks (server restart) is dropped; the next query opens another.
  pool.on('error', () => undefined);
  let live: PgLiveProbe | undefined;
  try {
    const client = await pool.connect().catch((e: Error) => {
      throw new StoreError('STORE_UNREACHABLE', `PostgreSQL at ${redact(url)}: ${e.message}`, e);
    });
    try {
      await runPgMigrations(client, options.migrationsDir);
    } finally {
      client.release();
    }
    live = await PgLiveProbe.start({ connectionString: url, application_name: 'resabox-fleet-live' });
  } catch (e) {
    await pool.end();
    throw e;
  }
  const probe = live;
  const sql = new PgPoolSql(pool);
  return {
    pool,
    ...sqlRepositories(sql, probe),
    transaction: (fn) => sql.transaction((tx) => fn(sqlRepositories(tx, probe))),
    close: async () => {
      await probe.close();
      await pool.end();
    },
  };
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
