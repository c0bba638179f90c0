import type { Sql } from './sql.ts';

/** A stored pass a person went through (its `passage` part), as the relay sends it. */
export interface StoredPassage {
  readonly boxId: string;
  readonly seq: number;
  readonly at: number;
  readonly direction: 'in' | 'out';
  readonly memberId: string | null;
  readonly zoneId: string;
  readonly ticketId: string | null;
}

/** What the occupancy relay reads (fleet/ingest/occupancy-relay.ts): a club's other boxes, their recent passages. */
export interface RelayPeers {
  /** The other active boxes of the box's club (none for a box without a club, or alone in it). */
  siblingsOf(boxId: string): Promise<string[]>;
  /** The passages of these boxes at or after `since`, oldest first, at most `limit`. */
  passagesSince(boxIds: readonly string[], since: number, limit: number): Promise<StoredPassage[]>;
}

export class SqlRelayPeers implements RelayPeers {
  constructor(private readonly sql: Sql) {}

  async siblingsOf(boxId: string): Promise<string[]> {
    const rows = await this.sql.all<{ id: string }>(
      "SELECT o.id FROM boxes b JOIN boxes o ON o.club_id = b.club_id AND o.id <> b.id WHERE b.id = ? AND o.status = 'active' ORDER BY o.id",
      [boxId],
    );
    return rows.map((r) => r.id);
  }

  async passagesSince(boxIds: readonly string[], since: number, limit: number): Promise<StoredPassage[]> {
    if (boxIds.length === 0) return [];
    const passage = this.sql.dialect.jsonText('data', 'passage');
    const rows = await this.sql.all<{ box_id: string; seq: number; at: number; direction: 'in' | 'out'; member_id: string | null; passage: string }>(
      `SELECT box_id, seq, at, direction, member_id, ${passage} AS passage FROM passes
        WHERE box_id IN (${boxIds.map(() => '?').join(', ')}) AND at >= ? AND outcome IN ('passed', 'forced', 'manual', 'emergency') AND ${passage} IS NOT NULL
        ORDER BY at, box_id, seq LIMIT ?`,
      [...boxIds, since, limit],
    );
    return rows.map((r) => {
      const p = JSON.parse(r.passage) as { zoneId: string; ticketId?: string };
      return { boxId: r.box_id, seq: r.seq, at: r.at, direction: r.direction, memberId: r.member_id, zoneId: p.zoneId, ticketId: p.ticketId ?? null };
    });
  }
}
