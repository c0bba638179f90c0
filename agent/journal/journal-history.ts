import type { Database, Statement } from 'better-sqlite3';
import type { OccupancyRelayMessage, RelayedPassage } from '../../protocol/mqtt/index.ts';
import type { OccupancyCorrection, Pass } from './pass-record.ts';

/** A passage of another box of the club, as the fleet relayed it and the journal keeps it. */
export type StoredRelayedPassage = RelayedPassage & { readonly originBoxId: string };

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
  private readonly insertRelayed: Statement<[string, number, number, string, string, string | null, string | null]>;
  private readonly relayedFrom: Statement<[number], StoredRelayedPassage>;
  private readonly pruneRelayed: Statement<[number]>;
  private readonly relayedTx: (m: OccupancyRelayMessage, before: number) => StoredRelayedPassage[];

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
    this.insertRelayed = db.prepare('INSERT INTO relayed_passages (origin_box, seq, ts, zone_id, direction, member_id, ticket_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.relayedFrom = db.prepare('SELECT origin_box AS originBoxId, seq, ts, zone_id AS zoneId, direction, member_id AS memberId, ticket_id AS ticketId FROM relayed_passages WHERE ts >= ? ORDER BY ts');
    this.pruneRelayed = db.prepare('DELETE FROM relayed_passages WHERE ts < ?');
    this.relayedTx = db.transaction((m: OccupancyRelayMessage, before: number) => {
      this.pruneRelayed.run(before);
      const fresh: StoredRelayedPassage[] = [];
      for (const p of m.passages) {
        const row = { ...p, originBoxId: m.originBoxId };
        if (this.insertRelayed.run(m.originBoxId, p.seq, p.ts, p.zoneId, p.direction, p.memberId, p.ticketId).changes === 1) fresh.push(row);
      }
      return fresh;
    });
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

  /**
   * Stores the relayed passages in one transaction (on disk when this returns) and returns
   * those not stored before: a redelivered message, or one sent again when the box came
   * online, counts once. Forgets the ones older than `forgetBefore`.
   */
  recordRelayed(m: OccupancyRelayMessage, forgetBefore: number): StoredRelayedPassage[] {
    return this.relayedTx(m, forgetBefore);
  }

  relayedSince(ts: number): StoredRelayedPassage[] {
    return this.relayedFrom.all(ts);
  }
}
