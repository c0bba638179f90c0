import { passFromColumns, type PassColumns } from './passes.ts';
import type { Sql } from './sql.ts';
import { Where } from './where.ts';
import type { PassFact } from '../reports/pass-anomalies.ts';
export interface PassRow {
  boxId: string;
  clubId: string | null;
  seq: number;
  batchId: string;
  at: number;
  lane: string;
  direction: string | null;
  granted: boolean;
  reason: string;
  outcome: string | null;
  memberId: string | null;
  credentialKind: string | null;
  /** The credential's truncated hash as the box sent it, or null (none / not recorded). */
  credentialHash: string | null;
  rightsVersion: number | null;
  receivedAt: number;
  data: Record<string, unknown>;
}

export interface PassFilter {
  clubId?: string;
  boxId?: string;
  memberId?: string;
  credentialHash?: string;
  granted?: boolean;
  from?: number;
  to?: number;
  /** Keyset position: rows strictly after (at, boxId, seq). */
  after?: { at: number; boxId: string; seq: number };
}


interface RawPass extends PassColumns {
  club_id: string | null;
  credential_hash: string | null;
}

/** Keyset paging: rows strictly after (at, box, seq), in the reports' order. */
function afterKey(w: Where, after: PassFilter['after']): void {
  if (!after) return;
  w.clauses.push('(p.at, p.box_id, p.seq) > (?, ?, ?)');
  w.args.push(after.at, after.boxId, after.seq);
}

const toRow = (r: RawPass): PassRow => ({ ...passFromColumns(r), clubId: r.club_id, credentialHash: r.credential_hash, receivedAt: r.received_at });

/** A report fact with its key, so the next page can start after it. */
export type PassFactRow = PassFact & { seq: number };

export interface PassReports {
  query(f: PassFilter, limit: number): Promise<PassRow[]>;
  facts(clubId: string | undefined, from: number, to: number, limit: number, after?: PassFilter['after']): Promise<PassFactRow[]>;
  count(): Promise<number>;
}

/** Pass queries for the API: filtered pages, exports, and the rows the anomaly reports read. */
export class SqlPassReports implements PassReports {
  /** The credential's truncated hash as the box sent it (fleet/ingest/mapping.ts keeps it in `data`). */
  private readonly credentialKey: string;

  constructor(private readonly sql: Sql) {
    this.credentialKey = sql.dialect.jsonText('p.data', 'credentialHash');
  }

  async query(f: PassFilter, limit: number): Promise<PassRow[]> {
    const w = new Where()
      .add('b.club_id = ?', f.clubId)
      .add('p.box_id = ?', f.boxId)
      .add('p.member_id = ?', f.memberId)
      .add(`${this.credentialKey} = ?`, f.credentialHash)
      .add('p.granted = ?', f.granted === undefined ? undefined : f.granted ? 1 : 0)
      .add('p.at >= ?', f.from)
      .add('p.at < ?', f.to);
    afterKey(w, f.after);
    const sql = `SELECT p.*, b.club_id, ${this.credentialKey} AS credential_hash FROM passes p JOIN boxes b ON b.id = p.box_id ${w}
      ORDER BY p.at, p.box_id, p.seq LIMIT ?`;
    return (await this.sql.all<RawPass>(sql, [...w.args, limit])).map(toRow);
  }

  /**
   * The columns the anomaly reports read, for a time range: one light query (no JSON
   * parse of `data`, no row objects beyond the facts).
   */
  async facts(clubId: string | undefined, from: number, to: number, limit: number, after?: PassFilter['after']): Promise<PassFactRow[]> {
    const w = new Where().add('b.club_id = ?', clubId).add('p.at >= ?', from).add('p.at < ?', to);
    afterKey(w, after);
    const sql = `SELECT p.box_id AS "boxId", p.seq, b.club_id AS "clubId", p.at, p.lane, p.direction, p.granted, p.outcome, p.member_id AS "memberId",
      ${this.credentialKey} AS "credentialHash" FROM passes p JOIN boxes b ON b.id = p.box_id ${w} ORDER BY p.at, p.box_id, p.seq LIMIT ?`;
    const rows = await this.sql.all<Omit<PassFactRow, 'granted'> & { granted: number }>(sql, [...w.args, limit]);
    return rows.map((r) => Object.assign(r, { granted: r.granted === 1 }) as unknown as PassFactRow);
  }

  async count(): Promise<number> {
    return (await this.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM passes'))?.n ?? 0;
  }
}
