import type { Database, Statement } from 'better-sqlite3';
import type { OccupancyCorrection, Pass } from './pass-record.ts';

/** What the front desk shows of a day: confirmed entries, refusals per reason. */
export interface DayFigures {
  /** People who went in: confirmed credential passages, confirmed manual and emergency entries. */
  readonly entries: number;
  /** Of which staff opened by hand. */
  readonly manualEntries: number;
  readonly refusals: Readonly<Record<string, number>>;
}

/**
 * The journal file read for the front desk (same connection as the PassJournal, so the same
 * process-wide writer): a member's last passes, the figures of a day, occupancy corrections.
 */
export class JournalHistory {
  private readonly ofMember: Statement<[string, number], { seq: number; body: string }>;
  private readonly figures: Statement<[number], { outcome: string; direction: string; reason: string; confirmed: number | null; n: number }>;
  private readonly insertCorrection: Statement<[number, string, number, string, string]>;
  private readonly correctionsFrom: Statement<[number], { ts: number; zoneId: string; count: number; operator: string; reason: string }>;

  constructor(db: Database) {
    // The expression must be the index's own (schema.ts MIGRATION_3) for SQLite to use it.
    this.ofMember = db.prepare("SELECT seq, body FROM passes WHERE json_extract(body, '$.memberId') = ? ORDER BY seq DESC LIMIT ?");
    this.figures = db.prepare(
      `SELECT outcome, json_extract(body, '$.direction') AS direction, json_extract(body, '$.reason') AS reason,
              json_extract(local, '$.confirmed') AS confirmed, count(*) AS n
         FROM passes WHERE ts >= ? GROUP BY 1, 2, 3, 4`,
    );
    this.insertCorrection = db.prepare('INSERT INTO occupancy_corrections (ts, zone_id, count, operator, reason) VALUES (?, ?, ?, ?, ?)');
    this.correctionsFrom = db.prepare('SELECT ts, zone_id AS zoneId, count, operator, reason FROM occupancy_corrections WHERE ts >= ? ORDER BY ts, id');
  }

  /** The member's newest passes first (whatever their outcome). */
  passesOf(memberId: string, limit: number): Pass[] {
    return this.ofMember.all(memberId, limit).map((r) => ({ seq: r.seq, ...(JSON.parse(r.body) as Omit<Pass, 'seq'>) }));
  }

  /** Figures of the passes whose outcome time is at or after `since`. */
  figuresSince(since: number): DayFigures {
    let entries = 0;
    let manualEntries = 0;
    const refusals: Record<string, number> = {};
    for (const r of this.figures.all(since)) {
      if (r.direction === 'in' && (r.outcome === 'passed' || r.outcome === 'forced')) entries += r.n;
      if (r.direction === 'in' && r.outcome === 'manual' && r.confirmed === 1) {
        entries += r.n;
        manualEntries += r.n;
      }
      if (r.outcome === 'denied') refusals[r.reason] = (refusals[r.reason] ?? 0) + r.n;
    }
    return { entries, manualEntries, refusals };
  }

  /** Stores a desk correction (synchronous=FULL: on disk when this returns). */
  recordCorrection(c: OccupancyCorrection): void {
    this.insertCorrection.run(c.ts, c.zoneId, c.count, c.operator, c.reason);
  }

  correctionsSince(ts: number): OccupancyCorrection[] {
    return this.correctionsFrom.all(ts);
  }
}
