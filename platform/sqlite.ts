/** The part of a better-sqlite3 connection that the settings below need. */
export interface PragmaTarget {
  pragma(source: string): unknown;
}

/**
 * The settings every SQLite file of the agent shares. WAL + synchronous=FULL: every commit
 * fsyncs the WAL, so what was committed survives a power cut, and readers never block the
 * writer. The page cache is capped per file: better-sqlite3 compiles SQLite with 16 MB per
 * connection, which the journal (one append every pass) fills in minutes and never gives
 * back; the agent keeps what it reads often in memory anyway (rights index, lanes).
 */
export function useDurably(db: PragmaTarget, cacheKiB: number): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`cache_size = -${cacheKiB}`);
}
