import { AsyncLocalStorage } from 'node:async_hooks';
/**
 * The one seam between the repositories and an engine. Every repository is written once
 * against `Sql`, in the SQL that SQLite and PostgreSQL share: `?` placeholders (PostgreSQL's
 * connection numbers them), `ON CONFLICT` upserts, `RETURNING`, `greatest()`, `chr()` and
 * `string_agg()` (SQLite gets the first two as functions of its connection). What still
 * differs goes through `dialect`.
 */
export interface Sql {
  readonly dialect: Dialect;
  all<T>(sql: string, args?: readonly unknown[]): Promise<T[]>;
  get<T>(sql: string, args?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a statement that returns no rows; resolves to the number of rows it changed. */
  run(sql: string, args?: readonly unknown[]): Promise<number>;
  /**
   * Runs `fn` atomically: a transaction of its own, or a savepoint when this connection is
   * already in one (the store's transaction calling a repository that needs atomicity).
   */
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
}

export interface Dialect {
  readonly engine: 'sqlite' | 'postgres';
  /** The text value of a top-level key of a JSON object held in a TEXT column. */
  jsonText(column: string, key: string): string;
}

export const sqliteDialect: Dialect = {
  engine: 'sqlite',
  jsonText: (column, key) => `json_extract(${column}, '$.${key}')`,
};

export const postgresDialect: Dialect = {
  engine: 'postgres',
  jsonText: (column, key) => `(${column}::json ->> '${key}')`,
};

/** Rewrites `?` placeholders as `$1, $2, ...`, leaving quoted strings and identifiers alone. */
export function numberPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * The savepoints whose callback is running, for the async context. ONE storage for all
 * connections: Node 20 keeps every AsyncLocalStorage that ever ran and visits each of them
 * at every promise the process creates, so one per transaction (PostgreSQL makes a
 * Savepoints per transaction) grew the cost of every promise without bound.
 */
const running = new AsyncLocalStorage<ReadonlySet<Savepoints>>();

/**
 * Savepoints for a connection already in a transaction. Concurrent callers of one
 * transaction take turns (their savepoints would otherwise interleave); a savepoint opened
 * inside another one nests at once.
 */
export class Savepoints {
  private depth = 0;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly exec: (statement: string) => Promise<unknown> | unknown) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    const outer = running.getStore();
    if (outer?.has(this)) return this.savepoint(fn);
    const mine = this.turn.then(() => running.run(new Set([...(outer ?? []), this]), () => this.savepoint(fn)));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `sp${++this.depth}`;
    try {
      await this.exec(`SAVEPOINT ${name}`);
      try {
        const out = await fn();
        await this.exec(`RELEASE SAVEPOINT ${name}`);
        return out;
      } catch (e) {
        await this.exec(`ROLLBACK TO SAVEPOINT ${name}`);
        await this.exec(`RELEASE SAVEPOINT ${name}`);
        throw e;
      }
    } finally {
      this.depth--;
    }
  }
}
