import type { SqliteDb } from './db.ts';
import { parseJsonObject } from './json.ts';
import type { PassRecord, PassRepository } from './repositories.ts';

/** A `passes` row as SQLite returns it (pass-reports.ts adds joined columns to it). */
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

export function sqlitePasses(db: SqliteDb): PassRepository {
  const insert = db.prepare(
    `INSERT INTO passes (box_id, seq, batch_id, at, lane, direction, granted, reason, outcome, member_id, credential_kind, rights_version, data, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (box_id, seq) DO NOTHING`,
  );
  const insertBatch = db.transaction((boxId: string, passes: readonly PassRecord[], receivedAt: number) => {
    let inserted = 0;
    for (const p of passes) {
      inserted += insert.run(boxId, p.seq, p.batchId, p.at, p.lane, p.direction, p.granted ? 1 : 0, p.reason, p.outcome, p.memberId, p.credentialKind, p.rightsVersion, JSON.stringify(p.data), receivedAt).changes;
    }
    return { inserted, duplicates: passes.length - inserted };
  });
  return {
    async insertBatch(boxId, passes, receivedAt) {
      return insertBatch(boxId, passes, receivedAt);
    },
    async count(boxId) {
      const row = (boxId === undefined ? db.prepare('SELECT count(*) AS n FROM passes').get() : db.prepare('SELECT count(*) AS n FROM passes WHERE box_id = ?').get(boxId)) as { n: number };
      return row.n;
    },
    async list(boxId, afterSeq, limit) {
      return (db.prepare('SELECT * FROM passes WHERE box_id = ? AND seq > ? ORDER BY seq LIMIT ?').all(boxId, afterSeq, limit) as PassColumns[]).map(passFromColumns);
    },
  };
}
