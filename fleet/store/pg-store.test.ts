import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../../test/support/postgres.ts';
import { defaultMigrationsDir, defaultPgMigrationsDir, loadMigrations } from './migrate.ts';
import { openPostgresStore, type PgFleetStore } from './pg-store.ts';
import { numberPlaceholders } from './sql.ts';
import { alertDeskContract } from './alert-desk-contract.ts';
import { storeContract, type ContractStore } from './store-contract.ts';

// One server for the whole file (CI time); one database for the contract, emptied between tests.
let server: PostgresServer;
let url: string;
let store: PgFleetStore;
let peer: PgFleetStore;
beforeAll(async () => {
  server = await startPostgres({ fast: true });
  url = await server.createDatabase('contract');
  store = await openPostgresStore(url);
  peer = await openPostgresStore(url);
}, 120_000);
afterAll(async () => {
  await peer?.close();
  await store?.close();
  await server?.stop();
});

async function emptyTables(): Promise<void> {
  const tables = (await store.pool.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename != 'schema_migrations'")).rows.map((r) => r.tablename);
  await store.pool.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`);
}

const openContract = async (): Promise<ContractStore> => {
  await emptyTables();
  return {
    store,
    peer,
    raw: async <T>(sql: string, args: readonly unknown[] = []) => (await store.pool.query(numberPlaceholders(sql), args as unknown[])).rows as T[],
    dispose: async () => undefined,
  };
};
storeContract('PostgreSQL', openContract);
alertDeskContract('PostgreSQL', openContract);

describe('PostgreSQL store: migrations', () => {
  it('has one PostgreSQL migration for each SQLite one, by version and name', () => {
    const names = (dir: string) => loadMigrations(dir).map((m) => `${m.version}-${m.name}`);
    expect(names(defaultPgMigrationsDir)).toEqual(names(defaultMigrationsDir));
  });

  it('applies migrations once, refuses an applied one whose file was edited, and says when the server is unreachable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resabox-pgmig-'));
    try {
      for (const f of readdirSync(defaultPgMigrationsDir)) writeFileSync(join(dir, f), readFileSync(join(defaultPgMigrationsDir, f)));
      const other = await server.createDatabase('migrations');
      const first = await openPostgresStore(other, { migrationsDir: dir });
      await first.close();
      const client = new pg.Client({ connectionString: other });
      await client.connect();
      const applied = (await client.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0] as { n: number };
      await client.end();
      expect(applied.n).toBe(loadMigrations(dir).length);
      writeFileSync(join(dir, '001-core.sql'), `${readFileSync(join(dir, '001-core.sql'), 'utf8')}\n-- edited\n`);
      await expect(openPostgresStore(other, { migrationsDir: dir })).rejects.toMatchObject({ code: 'STORE_MIGRATION_CHANGED' });
      await expect(openPostgresStore(`postgres://resabox@127.0.0.1:${server.port + 1}/x`)).rejects.toMatchObject({ code: 'STORE_UNREACHABLE' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
