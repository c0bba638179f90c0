import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { TicketKind } from '../../protocol/access/ticket-token.ts';
import { useDurably } from '../../platform/sqlite.ts';

/** One printed ticket as the box remembers it (never the signed text: it is on paper only). */
export interface IssuedTicket {
  /** The ticket id signed in the QR code (its nonce). */
  readonly id: string;
  readonly kind: TicketKind;
  readonly zoneIds: readonly string[];
  readonly validFrom: number;
  readonly validTo: number;
  readonly issuedAt: number;
  /** Printed on the ticket: the visitor's name, or "Invité de <member>". */
  readonly holder: string;
  /** The member who printed a guest pass at the totem. */
  readonly memberId: string | null;
  /** The desk operator who issued a day pass. */
  readonly operator: string | null;
  readonly jobId: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tickets (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,
  zone_ids   TEXT NOT NULL,
  valid_from INTEGER NOT NULL,
  valid_to   INTEGER NOT NULL,
  issued_at  INTEGER NOT NULL,
  holder     TEXT NOT NULL,
  member_id  TEXT,
  operator   TEXT,
  job_id     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_member ON tickets (member_id, issued_at);
CREATE INDEX IF NOT EXISTS tickets_issued ON tickets (issued_at);`;

/**
 * The tickets this box printed (SQLite, WAL, synchronous FULL): who issued what, so a
 * member's daily guest passes are counted across restarts and the desk shows the day's
 * tickets. Rows older than 90 days are pruned at open.
 */
export class TicketBook {
  private readonly db: Database;

  constructor(path: string, now: number) {
    this.db = new BetterSqlite3(path);
    useDurably(this.db, 512);
    this.db.exec(SCHEMA);
    this.db.prepare('DELETE FROM tickets WHERE issued_at < ?').run(now - 90 * 86_400_000);
  }

  record(t: IssuedTicket): void {
    this.db
      .prepare('INSERT INTO tickets (id, kind, zone_ids, valid_from, valid_to, issued_at, holder, member_id, operator, job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(t.id, t.kind, JSON.stringify(t.zoneIds), t.validFrom, t.validTo, t.issuedAt, t.holder, t.memberId, t.operator, t.jobId);
  }

  /** Tickets the member printed at or after `since`. */
  countForMember(memberId: string, since: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM tickets WHERE member_id = ? AND issued_at >= ?').get(memberId, since) as { n: number }).n;
  }

  /** Tickets printed at or after `since`, per kind. */
  countSince(since: number): Record<TicketKind, number> {
    const out: Record<TicketKind, number> = { day: 0, guest: 0 };
    for (const r of this.db.prepare('SELECT kind, count(*) AS n FROM tickets WHERE issued_at >= ? GROUP BY kind').all(since) as { kind: TicketKind; n: number }[]) out[r.kind] = r.n;
    return out;
  }

  close(): void {
    this.db.close();
  }
}
