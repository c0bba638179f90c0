import type { Sql } from './sql.ts';
import { parseJsonObject } from './json.ts';
import type { PassRecord, PassRepository } from './repositories.ts';

/** A `passes` row as the engine returns it (pass-reports.ts adds joined columns to it). */
export interface PassColumns {
  box_id: string;
  seq: number;
  batch_id: string;
  at: number;
  lane: string;
  direction: string | null;
  granted: number;
  reason: string;
  outcome: string | null;
  member_id: string | null;
  credential_kind: string | null;
  rights_version: number | null;
  received_at: number;
  data: string;
}

/** The stored pass of a row, as the box sent it. */
export function passFromColumns(r: PassColumns): PassRecord & { boxId: string } {
  return {
    boxId: r.box_id,
    seq: r.seq,
    batchId: r.batch_id,
    at: r.at,
    lane: r.lane,
    direction: r.direction,
    granted: r.granted === 1,
    reason: r.reason,
    outcome: r.outcome,
    memberId: r.member_id,
    credentialKind: r.credential_kind,
    rightsVersion: r.rights_version,
    data: parseJsonObject(r.data),
  };
}

const PASS_COLUMNS = 'box_id, seq, batch_id, at, lane, direction, granted, reason, outcome, member_id, credential_kind, rights_version, data, received_at';
/** Rows per INSERT: 14 parameters each stays under both engines' limits (SQLite 32,766). */
const ROWS_PER_INSERT = 500;
/** PostgreSQL types of the columns before received_at, for unnest(). */
const PG_ARRAY_TYPES = ['text', 'bigint', 'text', 'bigint', 'text', 'text', 'bigint', 'text', 'text', 'text', 'text', 'bigint', 'text'];

/** (box, seq) as one string key. */
const passKey = (boxId: string, seq: number) => `${seq}\u0000${boxId}`;

type Inserted = { box_id: string; seq: number }[];

/** SQLite: multi-row VALUES, in chunks, atomic together (a transaction, or a savepoint in one). */
async function insertValues(sql: Sql, rows: readonly unknown[][], receivedAt: number): Promise<Inserted> {
  const out: Inserted = [];
  await sql.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const chunk = rows.slice(i, i + ROWS_PER_INSERT);
      const values = chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      out.push(...(await tx.all<Inserted[number]>(`INSERT INTO passes (${PASS_COLUMNS}) VALUES ${values} ON CONFLICT (box_id, seq) DO NOTHING RETURNING box_id, seq`, chunk.flatMap((r) => [...r, receivedAt]))));
    }
  });
  return out;
}

/**
 * PostgreSQL: the whole group in ONE statement whatever its size, a column per array
 * (unnest): 14 parameters instead of 14 per pass, one text to parse, one round trip, and
 * atomic by itself, so no savepoint around it.
 */
function insertUnnest(sql: Sql, rows: readonly unknown[][], receivedAt: number): Promise<Inserted> {
  const columns = PG_ARRAY_TYPES.map((_, c) => rows.map((r) => r[c]));
  const arrays = PG_ARRAY_TYPES.map((t) => `?::${t}[]`).join(', ');
  return sql.all<Inserted[number]>(`INSERT INTO passes (${PASS_COLUMNS}) SELECT u.*, ?::bigint FROM unnest(${arrays}) AS u ON CONFLICT (box_id, seq) DO NOTHING RETURNING box_id, seq`, [receivedAt, ...columns]);
}

export function sqlPasses(sql: Sql): PassRepository {
  const insertRows = sql.dialect.engine === 'postgres' ? insertUnnest : insertValues;
  const insertGroup: PassRepository['insertGroup'] = async (batches, receivedAt) => {
    const rows = batches.flatMap((b) => b.passes.map((p) => [b.boxId, p.seq, p.batchId, p.at, p.lane, p.direction, p.granted ? 1 : 0, p.reason, p.outcome, p.memberId, p.credentialKind, p.rightsVersion, JSON.stringify(p.data)]));
    if (rows.length === 0) return batches.map(() => ({ inserted: 0, duplicates: 0 }));
    // RETURNING names the rows this call inserted; the others were stored before (or earlier in this group).
    const stored = new Set<string>();
    for (const r of await insertRows(sql, rows, receivedAt)) stored.add(passKey(r.box_id, r.seq));
    // A (box, seq) inserted now counts for the first batch of the group that carried it.
    return batches.map((b) => {
      let inserted = 0;
      for (const p of b.passes) if (stored.delete(passKey(b.boxId, p.seq))) inserted++;
      return { inserted, duplicates: b.passes.length - inserted };
    });
  };
  return {
    insertGroup,
    async insertBatch(boxId, passes, receivedAt) {
      return (await insertGroup([{ boxId, passes }], receivedAt))[0] as { inserted: number; duplicates: number };
    },
    async count(boxId) {
      const row = boxId === undefined ? await sql.get<{ n: number }>('SELECT count(*) AS n FROM passes') : await sql.get<{ n: number }>('SELECT count(*) AS n FROM passes WHERE box_id = ?', [boxId]);
      return row?.n ?? 0;
    },
    async list(boxId, afterSeq, limit) {
      return (await sql.all<PassColumns>('SELECT * FROM passes WHERE box_id = ? AND seq > ? ORDER BY seq LIMIT ?', [boxId, afterSeq, limit])).map(passFromColumns);
    },
  };
}
