import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import { outsideTransactionError } from './errors.ts';
import { Savepoints, sqliteDialect, type Sql } from './sql.ts';

type SqliteDb = Database.Database;

/** The functions the shared SQL uses that SQLite lacks under PostgreSQL's names. */
export function addPostgresFunctions(db: SqliteDb): void {
  db.function('greatest', { deterministic: true, varargs: true }, (...xs: unknown[]) => {
    const present = xs.filter((x) => x !== null) as (number | string)[];
    return present.length ? present.reduce((a, b) => (b > a ? b : a)) : null;
  });
  db.function('chr', { deterministic: true }, (code: unknown) => String.fromCharCode(Number(code)));
}


/**
 * One connection serves everything, so an open transaction would take in any statement
 * run while its callback awaits. Outside statements therefore wait until no transaction is
 * open, and transactions run one at a time. A statement of the store's own repositories
 * from inside a transaction's callback would wait for itself: it is refused instead.
 */
class TransactionGate {
  private open: Promise<void> | undefined;
  private readonly inside = new AsyncLocalStorage<true>();

  /** Runs `fn` once no transaction is open; the check and the call happen in one turn. */
  when<T>(fn: () => T): Promise<T> {
    if (!this.open) {
      try {
        return Promise.resolve(fn());
      } catch (e) {
        return Promise.reject(e as Error);
      }
    }
    if (this.inside.getStore()) return Promise.reject(outsideTransactionError());
    return this.open.then(() => this.when(fn));
  }

  async run<T>(db: SqliteDb, fn: () => Promise<T>): Promise<T> {
    while (this.open) {
      if (this.inside.getStore()) throw outsideTransactionError();
      await this.open;
    }
    let done!: () => void;
    this.open = new Promise((resolve) => (done = resolve));
    try {
      db.exec('BEGIN IMMEDIATE');
      try {
        const out = await this.inside.run(true, fn);
        db.exec('COMMIT');
        return out;
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      }
    } finally {
      this.open = undefined;
      done();
    }
  }
}

/** Prepared statements by text: the repositories build a few dozen distinct ones. */
class Statements {
  private readonly cache = new Map<string, Database.Statement>();
  constructor(readonly db: SqliteDb) {}
  get(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      if (this.cache.size >= 1000) this.cache.clear();
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }
}

/** Statements run at once: the connection as the store's transaction callback sees it. */
class SqliteTxSql implements Sql {
  readonly dialect = sqliteDialect;
  private readonly savepoints: Savepoints;
  constructor(private readonly statements: Statements) {
    this.savepoints = new Savepoints((statement) => statements.db.exec(statement));
  }
  async all<T>(sql: string, args: readonly unknown[] = []): Promise<T[]> {
    return this.statements.get(sql).all(...args) as T[];
  }
  async get<T>(sql: string, args: readonly unknown[] = []): Promise<T | undefined> {
    return this.statements.get(sql).get(...args) as T | undefined;
  }
  async run(sql: string, args: readonly unknown[] = []): Promise<number> {
    return this.statements.get(sql).run(...args).changes;
  }
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.savepoints.run(() => fn(this));
  }
}

/** The connection seen from outside any transaction: each statement waits for the gate. */
class SqliteGatedSql implements Sql {
  readonly dialect = sqliteDialect;
  constructor(
    private readonly statements: Statements,
    private readonly gate: TransactionGate,
    readonly tx: SqliteTxSql,
  ) {}
  all<T>(sql: string, args: readonly unknown[] = []): Promise<T[]> {
    return this.gate.when(() => this.statements.get(sql).all(...args) as T[]);
  }
  get<T>(sql: string, args: readonly unknown[] = []): Promise<T | undefined> {
    return this.gate.when(() => this.statements.get(sql).get(...args) as T | undefined);
  }
  run(sql: string, args: readonly unknown[] = []): Promise<number> {
    return this.gate.when(() => this.statements.get(sql).run(...args).changes);
  }
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.gate.run(this.statements.db, () => fn(this.tx));
  }
  /** Runs `fn` on the raw connection once no transaction is open (close, bulk copies). */
  exclusive<T>(fn: (db: SqliteDb) => T): Promise<T> {
    return this.gate.when(() => fn(this.statements.db));
  }
}

export type { SqliteGatedSql };

/** The gated connection over `db`; its `tx` is the one its transactions hand out. */
export function sqliteSql(db: SqliteDb): SqliteGatedSql {
  const statements = new Statements(db);
  return new SqliteGatedSql(statements, new TransactionGate(), new SqliteTxSql(statements));
}
