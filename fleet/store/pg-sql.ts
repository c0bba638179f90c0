import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { outsideTransactionError } from './errors.ts';
import { numberPlaceholders, postgresDialect, Savepoints, type Sql } from './sql.ts';

/**
 * Epoch milliseconds and counts are BIGINT (and sums NUMERIC) in PostgreSQL, which
 * node-postgres returns as strings by default; every one the fleet stores fits a double.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export const pgTypes = types as unknown as pg.CustomTypesConfig;

const numbered = new Map<string, string>();
function text(sql: string): string {
  let t = numbered.get(sql);
  if (t === undefined) {
    if (numbered.size >= 2000) numbered.clear();
    t = numberPlaceholders(sql);
    numbered.set(sql, t);
  }
  return t;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

async function rows<T>(on: Queryable, sql: string, args: readonly unknown[]): Promise<T[]> {
  return (await on.query(text(sql), args as unknown[])).rows as T[];
}

/** One connection inside a transaction (BEGIN already sent). */
class PgClientSql implements Sql {
  readonly dialect = postgresDialect;
  private readonly savepoints: Savepoints;
  constructor(private readonly client: pg.PoolClient) {
    this.savepoints = new Savepoints((statement) => client.query(statement));
  }
  all<T>(sql: string, args: readonly unknown[] = []): Promise<T[]> {
    return rows<T>(this.client, sql, args);
  }
  async get<T>(sql: string, args: readonly unknown[] = []): Promise<T | undefined> {
    return (await rows<T>(this.client, sql, args))[0];
  }
  async run(sql: string, args: readonly unknown[] = []): Promise<number> {
    return (await this.client.query(text(sql), args as unknown[])).rowCount ?? 0;
  }
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.savepoints.run(() => fn(this));
  }
}

/**
 * The pool seen from outside any transaction: each statement takes any free connection.
 * Inside a transaction's callback it is refused, as on SQLite: the callback must use its tx.
 */
export class PgPoolSql implements Sql {
  readonly dialect = postgresDialect;
  private readonly inside = new AsyncLocalStorage<true>();
  constructor(readonly pool: pg.Pool) {}

  private check(): void {
    if (this.inside.getStore()) throw outsideTransactionError();
  }
  async all<T>(sql: string, args: readonly unknown[] = []): Promise<T[]> {
    this.check();
    return rows<T>(this.pool, sql, args);
  }
  async get<T>(sql: string, args: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, args))[0];
  }
  async run(sql: string, args: readonly unknown[] = []): Promise<number> {
    this.check();
    return (await this.pool.query(text(sql), args as unknown[])).rowCount ?? 0;
  }
  async transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    this.check();
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const out = await this.inside.run(true, () => fn(new PgClientSql(client)));
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw e;
      }
    } finally {
      // A connection that could not roll back is dropped, not handed to the next caller.
      client.release(broken);
    }
  }
}
