import { existsSync } from 'node:fs';
import type pg from 'pg';
import { openDatabase, type SqliteDb } from './db.ts';
import { StoreError } from './errors.ts';
import { openPostgresStore } from './pg-store.ts';
import { numberPlaceholders } from './sql.ts';

export interface TableCount {
  readonly table: string;
  readonly source: number;
  readonly target: number;
}

/** Rows per INSERT statement (parameters stay far below PostgreSQL's 65,535). */
const ROWS_PER_INSERT = 500;

/**
 * Copies a fleet's SQLite store into an EMPTY PostgreSQL database, in one PostgreSQL
 * transaction: every table, parents before the tables that reference them, then the identity
 * sequences moved past the copied ids, then the rows of each table counted on both sides;
 * any difference rolls everything back. Both stores are first brought to the latest schema
 * (the numbered migrations of each engine), so their tables and columns match. The fleet
 * must be stopped meanwhile: rows written during the copy would be missed.
 */
export async function migrateStore(sqlitePath: string, postgresUrl: string, progress: (table: string, rows: number) => void = () => undefined): Promise<TableCount[]> {
  if (!existsSync(sqlitePath)) throw new StoreError('STORE_MIGRATE_SOURCE_MISSING', `no SQLite store at ${sqlitePath}`);
  const { db } = openDatabase(sqlitePath);
  let target: Awaited<ReturnType<typeof openPostgresStore>> | undefined;
  try {
    target = await openPostgresStore(postgresUrl, { poolSize: 1 });
    const client = await target.pool.connect();
    try {
      return await copyAll(db, client, progress);
    } finally {
      client.release();
    }
  } finally {
    await target?.close();
    db.close();
  }
}

async function copyAll(db: SqliteDb, client: pg.PoolClient, progress: (table: string, rows: number) => void): Promise<TableCount[]> {
  const tables = parentsFirst(db);
  const targetColumns = await columnsOf(client);
  for (const t of tables) {
    const missing = sourceColumns(db, t).filter((c) => !targetColumns.get(t)?.has(c));
    if (!targetColumns.has(t) || missing.length > 0) throw new StoreError('STORE_MIGRATE_SCHEMA_MISMATCH', `table ${t}: PostgreSQL lacks ${targetColumns.has(t) ? `column(s) ${missing.join(', ')}` : 'the table'}`);
  }
  await client.query('BEGIN');
  try {
    for (const t of tables) {
      const n = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0]?.n ?? 0);
      if (n > 0) throw new StoreError('STORE_MIGRATE_TARGET_NOT_EMPTY', `the PostgreSQL table ${t} already holds ${n} row(s): migrate-store copies into an empty database`);
    }
    for (const t of tables) progress(t, await copyTable(db, client, t, targetColumns.get(t) as Set<string>));
    await advanceIdentities(client);
    const counts: TableCount[] = [];
    for (const t of tables) {
      const source = (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
      const target = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0]?.n ?? 0);
      counts.push({ table: t, source, target });
    }
    const wrong = counts.filter((c) => c.source !== c.target);
    if (wrong.length > 0) throw new StoreError('STORE_MIGRATE_COUNT_MISMATCH', `row counts differ: ${wrong.map((c) => `${c.table} ${c.source} -> ${c.target}`).join(', ')}`, counts);
    await client.query('COMMIT');
    return counts;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** The store's tables (not the migrations' own), each after the tables its foreign keys name. */
function parentsFirst(db: SqliteDb): string[] {
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  const parents = new Map(names.map((n) => [n, (db.prepare(`PRAGMA foreign_key_list(${quote(n)})`).all() as { table: string }[]).map((f) => f.table).filter((p) => p !== n)]));
  const out: string[] = [];
  const visit = (n: string, path: Set<string>) => {
    if (out.includes(n) || path.has(n)) return;
    path.add(n);
    for (const p of parents.get(n) ?? []) visit(p, path);
    out.push(n);
  };
  for (const n of names) visit(n, new Set());
  return out;
}

const sourceColumns = (db: SqliteDb, table: string) => (db.prepare(`PRAGMA table_info(${quote(table)})`).all() as { name: string }[]).map((c) => c.name);

async function columnsOf(client: pg.PoolClient): Promise<Map<string, Set<string>>> {
  const rows = (await client.query<{ table_name: string; column_name: string }>("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()")).rows;
  const out = new Map<string, Set<string>>();
  for (const r of rows) (out.get(r.table_name) ?? out.set(r.table_name, new Set()).get(r.table_name))?.add(r.column_name);
  return out;
}

async function copyTable(db: SqliteDb, client: pg.PoolClient, table: string, targetColumns: Set<string>): Promise<number> {
  // A PostgreSQL `rowid` column stands for SQLite's implicit rowid (the order of same-millisecond rows).
  const withRowid = targetColumns.has('rowid') && !sourceColumns(db, table).includes('rowid');
  const columns = [...sourceColumns(db, table), ...(withRowid ? ['rowid'] : [])];
  const select = db.prepare(`SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)}${withRowid ? ' ORDER BY rowid' : ''}`).raw(true);
  let rows: unknown[][] = [];
  let copied = 0;
  const flush = async () => {
    if (rows.length === 0) return;
    const values = rows.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
    await client.query(numberPlaceholders(`INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES ${values}`), rows.flat());
    copied += rows.length;
    rows = [];
  };
  for (const row of select.iterate() as Iterable<unknown[]>) {
    rows.push(row);
    if (rows.length >= ROWS_PER_INSERT) await flush();
  }
  await flush();
  return copied;
}

/** Identity columns got explicit values: their sequences must continue after the largest. */
async function advanceIdentities(client: pg.PoolClient): Promise<void> {
  const ids = (await client.query<{ table_name: string; column_name: string }>("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'")).rows;
  for (const { table_name: t, column_name: c } of ids) {
    await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), m) FROM (SELECT max(${quote(c)}) AS m FROM ${quote(t)}) x WHERE m IS NOT NULL`, [quote(t), c]);
  }
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
