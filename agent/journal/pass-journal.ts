import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { boundExplanation } from '../../protocol/access/explanation.ts';
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { JournalError } from './errors.ts';
import { JournalHistory } from './journal-history.ts';
import type { LocalFacts, Pass, PassRecord, StoredPass } from './pass-record.ts';
import { prepareJournalDatabase } from './schema.ts';
import { StorageBound, type JournalAlert } from './storage-bound.ts';

export interface PassJournalOptions {
  /** SQLite file; created with its WAL next to it. */
  readonly path: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Appends arriving within this window share one commit (one fsync). The default, 0,
   * commits at the next turn of the event loop: everything that arrived while the previous
   * commit held the loop goes into the next one, so groups grow with the load by themselves
   * and a lone pass waits for no timer. A window of a few ms only adds latency: measured by
   * test/bench/journal, window 0 gave both the higher rate and the lower append->commit p99.
   */
  readonly groupWindowMs?: number;
  /** A group is committed at once when it reaches this many rows. */
  readonly groupMaxRows?: number;
  /** Disk bound in rows; only acknowledged rows are ever pruned to stay under it. */
  readonly maxRows?: number;
  /** Fraction of maxRows of unsent rows at which the backlog alert fires. */
  readonly backlogWarnRatio?: number;
  /** Delay before a failed commit is retried (its rows stay queued). */
  readonly retryMs?: number;
  readonly onAlert?: (alert: JournalAlert) => void;
}

export interface JournalStats {
  readonly lastSeq: number;
  readonly ackedSeq: number;
  readonly unsent: number;
  readonly rows: number;
  readonly queued: number;
}

interface PendingAppend {
  readonly pass: PassRecord;
  readonly local: LocalFacts | undefined;
  readonly resolve: (pass: Pass) => void;
  readonly reject: (error: JournalError) => void;
}

function toPass(row: PassRow): Pass {
  const pass: Pass = { seq: row.seq, ...(JSON.parse(row.body) as PassRecord) };
  return row.explanation == null ? pass : { ...pass, explanation: JSON.parse(row.explanation) as Pass['explanation'] };
}

interface PassRow {
  seq: number;
  body: string;
  explanation?: string | null;
}

function toStored(row: ReplayRow): StoredPass {
  return { pass: toPass(row), local: row.local === null ? {} : (JSON.parse(row.local) as LocalFacts) };
}

interface ReplayRow extends PassRow {
  local: string | null;
}

/** The row's columns: the body without the explanation, which has its own (bounded) column. */
function columnsOf(pass: PassRecord): { body: string; explanation: string | null } {
  const { explanation, ...body } = pass;
  return { body: JSON.stringify(body), explanation: explanation == null ? null : boundExplanation(explanation, 'EXPLANATION_TRUNCATED') };
}

/**
 * The durable pass journal: one SQLite file in WAL mode with synchronous=FULL.
 *
 * Group commit: appends are queued and committed together in one transaction once the
 * window elapses or the group is full; each append's promise resolves only after that
 * commit returned, i.e. once the pass is fsync'd. Sequence numbers are assigned by the
 * commit, strictly increasing, never reused (see schema.ts).
 *
 * Outbox: the uplink reads unsent rows in order after its cursor and acknowledges up to
 * the sequence number the fleet confirmed; acknowledged rows become prunable.
 */
export class PassJournal {
  private readonly db: Database;
  /** The front desk's reads and the occupancy corrections (journal-history.ts). */
  readonly history: JournalHistory;
  private readonly insert: Statement<[number, string, string, string, string | null, string | null]>;
  private readonly selectAfter: Statement<[number, number], PassRow>;
  private readonly selectSince: Statement<[number], ReplayRow>;
  private readonly selectPassagesSince: Statement<[number], ReplayRow>;
  private readonly commitGroup: (group: readonly PendingAppend[]) => number[];
  private readonly bound: StorageBound;
  private readonly windowMs: number;
  private readonly maxGroup: number;
  private readonly retryMs: number;
  private queue: PendingAppend[] = [];
  private timer: TimerHandle | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  private retrying = false;
  private lastSeq_: number;
  private ackedSeq_: number;

  constructor(private readonly options: PassJournalOptions) {
    this.windowMs = options.groupWindowMs ?? 0;
    this.maxGroup = options.groupMaxRows ?? 1024;
    this.retryMs = options.retryMs ?? 1000;
    try {
      this.db = new BetterSqlite3(options.path);
      prepareJournalDatabase(this.db);
    } catch (e) {
      if (e instanceof JournalError) throw e;
      throw new JournalError('JOURNAL_OPEN_FAILED', `cannot open the pass journal ${options.path}: ${(e as Error).message}`, { cause: e });
    }
    this.history = new JournalHistory(this.db);
    this.insert = this.db.prepare('INSERT INTO passes (ts, outcome, lane_id, body, local, explanation) VALUES (?, ?, ?, ?, ?, ?)');
    this.selectAfter = this.db.prepare('SELECT seq, body, explanation FROM passes WHERE seq > ? ORDER BY seq LIMIT ?');
    this.selectSince = this.db.prepare('SELECT seq, body, local FROM passes WHERE ts >= ? ORDER BY seq');
    this.selectPassagesSince = this.db.prepare("SELECT seq, body, local FROM passes WHERE ts >= ? AND outcome IN ('passed', 'forced', 'manual', 'emergency') ORDER BY seq");
    this.commitGroup = this.db.transaction((group: readonly PendingAppend[]) =>
      group.map((p) => {
        const { body, explanation } = columnsOf(p.pass);
        return Number(this.insert.run(p.pass.ts, p.pass.outcome, p.pass.laneId, body, p.local ? JSON.stringify(p.local) : null, explanation).lastInsertRowid);
      }),
    );
    const seqRow = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'passes'").get() as { seq: number } | undefined;
    this.lastSeq_ = seqRow?.seq ?? 0;
    this.ackedSeq_ = (this.db.prepare('SELECT acked_seq FROM outbox WHERE id = 1').get() as { acked_seq: number }).acked_seq;
    const rows = (this.db.prepare('SELECT count(*) AS n FROM passes').get() as { n: number }).n;
    this.bound = new StorageBound(
      { maxRows: options.maxRows ?? 1_000_000, warnRatio: options.backlogWarnRatio ?? 0.8 },
      rows,
      (alert) => {
        options.logger.warn({ alert }, 'pass journal storage alert');
        options.onAlert?.(alert);
      },
    );
    this.bound.check(this.unsent(), this.pruneAcked);
  }

  /**
   * Queues a pass; resolves with it and its sequence number once it is committed to disk.
   * `local` is stored with the row for the box's own replay and never published.
   */
  append(pass: PassRecord, local?: LocalFacts): Promise<Pass> {
    if (this.closed) return Promise.reject(new JournalError('JOURNAL_CLOSED', 'the pass journal is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ pass, local, resolve, reject });
      // While a failed commit waits for its retry, new passes queue behind it.
      if (this.retrying) return;
      if (this.queue.length >= this.maxGroup) this.flushNow();
      else if (this.windowMs === 0) this.immediate ??= setImmediate(() => this.flushNow());
      else this.timer ??= this.options.clock.setTimeout(() => this.flushNow(), this.windowMs);
    });
  }

  /** Commits whatever is queued now (used on shutdown and by tests). */
  flush(): void {
    this.flushNow();
  }

  /** Unsent rows in order, strictly after `afterSeq` (defaults to the acknowledged cursor). */
  readUnsent(limit: number, afterSeq = this.ackedSeq_): Pass[] {
    return this.selectAfter.all(Math.max(afterSeq, this.ackedSeq_), limit).map(toPass);
  }

  /** Every stored row after `afterSeq`, acknowledged or not (local history, tests). */
  readAfter(afterSeq: number, limit: number): Pass[] {
    return this.selectAfter.all(afterSeq, limit).map(toPass);
  }

  /** Every stored row whose outcome time is at or after `ts`, in seq order, with its local facts (start-up replay; explanations are not read). */
  readSince(ts: number): StoredPass[] {
    return this.selectSince.all(ts).map(toStored);
  }

  /**
   * The rows that may be passages (passed, forced, manual, emergency: not the refusals), one
   * at a time, for the lanes' memory at start: 48 hours of a busy box's passes, each with
   * its explanation, would take tens of MB as one array.
   */
  *passagesSince(ts: number): IterableIterator<StoredPass> {
    for (const row of this.selectPassagesSince.iterate(ts)) yield toStored(row);
  }

  /**
   * The fleet stored every pass up to `seq`: moves the outbox cursor (never backwards;
   * a stale, repeated ack is harmless) and prunes if the bound needs it.
   */
  ack(seq: number): void {
    if (this.closed) throw new JournalError('JOURNAL_CLOSED', 'the pass journal is closed');
    if (!Number.isSafeInteger(seq) || seq > this.lastSeq_) {
      throw new JournalError('JOURNAL_ACK_BEYOND_END', `ack of seq ${seq} but the journal ends at ${this.lastSeq_}`);
    }
    if (seq <= this.ackedSeq_) return;
    this.db.prepare('UPDATE outbox SET acked_seq = ? WHERE id = 1').run(seq);
    this.ackedSeq_ = seq;
    this.bound.check(this.unsent(), this.pruneAcked);
  }

  /** Outcome time of the newest stored pass, or null: the update machine's install window waits for idle lanes. */
  lastPassAt(): number | null {
    return (this.db.prepare('SELECT max(ts) AS ts FROM passes').get() as { ts: number | null }).ts;
  }

  /**
   * The self-test's "journal writable": one real, fsync'd write that changes nothing (the
   * outbox cursor rewritten with its own value). Throws a JournalError when it cannot commit.
   */
  checkWritable(): void {
    if (this.closed) throw new JournalError('JOURNAL_CLOSED', 'the pass journal is closed');
    try {
      this.db.prepare('UPDATE outbox SET acked_seq = acked_seq WHERE id = 1').run();
    } catch (e) {
      throw new JournalError('JOURNAL_WRITE_FAILED', `the pass journal cannot be written: ${(e as Error).message}`, { cause: e });
    }
  }

  stats(): JournalStats {
    return { lastSeq: this.lastSeq_, ackedSeq: this.ackedSeq_, unsent: this.unsent(), rows: this.bound.rows, queued: this.queue.length };
  }

  /** Commits what is queued, then closes the file. Rows that still cannot be written are rejected. */
  close(): void {
    if (this.closed) return;
    this.flushNow();
    this.closed = true;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const p of this.queue.splice(0)) p.reject(new JournalError('JOURNAL_CLOSED', 'the pass journal closed before this pass could be written'));
    this.db.close();
  }

  private unsent(): number {
    // Unsent rows are never pruned and rolled-back inserts do not consume AUTOINCREMENT
    // values, so the unsent rows are exactly (ackedSeq, lastSeq].
    return this.lastSeq_ - this.ackedSeq_;
  }

  private readonly pruneAcked = (count: number): number => {
    const info = this.db
      .prepare('DELETE FROM passes WHERE seq IN (SELECT seq FROM passes WHERE seq <= ? ORDER BY seq LIMIT ?)')
      .run(this.ackedSeq_, count);
    return info.changes;
  };

  private flushNow(): void {
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    if (this.closed || this.queue.length === 0) return;
    const group = this.queue.splice(0);
    let seqs: number[];
    try {
      seqs = this.commitGroup(group);
    } catch (e) {
      // Nothing of the group was committed (one transaction): keep it, in order, ahead of
      // anything queued since, and retry. The passes stay pending, never dropped.
      this.queue.unshift(...group);
      const error = new JournalError('JOURNAL_WRITE_FAILED', `pass journal commit failed: ${(e as Error).message}`, { cause: e });
      this.options.logger.error({ err: error, queued: this.queue.length }, 'pass journal commit failed, retrying');
      this.options.onAlert?.({ kind: 'write-failed', code: error.code, message: error.message, queued: this.queue.length });
      this.retrying = true;
      this.timer = this.options.clock.setTimeout(() => this.flushNow(), this.retryMs);
      return;
    }
    this.retrying = false;
    this.lastSeq_ = seqs[seqs.length - 1] ?? this.lastSeq_;
    this.bound.added(group.length);
    group.forEach((p, i) => p.resolve({ seq: seqs[i] as number, ...p.pass }));
    this.bound.check(this.unsent(), this.pruneAcked);
  }
}
