import { MEMBER_CHILD_KINDS, RECORD_KINDS } from './records.ts';
import type { RecordKind } from './records.ts';

/**
 * SQLite schema of the rights store. Records live in two table sets, `a_*` and `b_*`: the
 * `active` one (meta) is what the box decides with; a snapshot is written chunk by chunk
 * into the other one and made current by flipping `active` in one short transaction, so a
 * 100,000-member resync never blocks the lanes for the whole snapshot, and a failed or
 * interrupted one leaves the current set untouched.
 *
 * Each record is kept whole as JSON in `data`; the columns beside it are what constraints
 * and indexes need. Children reference members with ON DELETE CASCADE (deleting a member
 * deletes its credentials, rights and bookings) and carry an index on member_id.
 */
export type TableSet = 'a' | 'b';

export const otherSet = (set: TableSet): TableSet => (set === 'a' ? 'b' : 'a');
export const tableOf = (set: TableSet, kind: RecordKind): string => `${set}_${kind}`;

function setSchema(s: TableSet): string {
  return `
CREATE TABLE IF NOT EXISTS ${s}_members (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}_zones (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}_qrKeys (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}_credentials (
  id TEXT PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES ${s}_members(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  data TEXT NOT NULL,
  UNIQUE (kind, value)
);
CREATE INDEX IF NOT EXISTS ${s}_credentials_member ON ${s}_credentials(member_id);
CREATE TABLE IF NOT EXISTS ${s}_rights (
  id TEXT PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES ${s}_members(id) ON DELETE CASCADE,
  counted_until INTEGER,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ${s}_rights_member ON ${s}_rights(member_id);
CREATE TABLE IF NOT EXISTS ${s}_bookings (
  id TEXT PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES ${s}_members(id) ON DELETE CASCADE,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ${s}_bookings_member ON ${s}_bookings(member_id);
`;
}

export const RIGHTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
${setSchema('a')}
${setSchema('b')}
-- Visits of packs consumed on this box, one per pass (idempotent), kept until the fleet
-- has counted them (at <= the right's counted_until) or the right is gone.
CREATE TABLE IF NOT EXISTS local_visits (pass_id TEXT PRIMARY KEY, right_id TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS local_visits_right ON local_visits(right_id);
CREATE TABLE IF NOT EXISTS applied_versions (
  version INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('snapshot', 'delta')),
  base_version INTEGER,
  applied_at INTEGER NOT NULL,
  records INTEGER NOT NULL
);
`;

export function pruneCountedVisitsSql(set: TableSet): string {
  return `DELETE FROM local_visits WHERE NOT EXISTS (
  SELECT 1 FROM ${set}_rights r WHERE r.id = local_visits.right_id AND (r.counted_until IS NULL OR r.counted_until < local_visits.at)
)`;
}

/** Children first, so that emptying a set never trips a foreign key. */
export const CLEAR_ORDER: readonly RecordKind[] = [...RECORD_KINDS].reverse();
export { MEMBER_CHILD_KINDS };

const CHILD_KINDS: ReadonlySet<RecordKind> = new Set(MEMBER_CHILD_KINDS);

function columnsOf(kind: RecordKind): readonly string[] {
  if (kind === 'credentials') return ['id', 'member_id', 'kind', 'value', 'data'];
  if (kind === 'rights') return ['id', 'member_id', 'counted_until', 'data'];
  return CHILD_KINDS.has(kind) ? ['id', 'member_id', 'data'] : ['id', 'data'];
}

/** INSERT (snapshot) or upsert by id (delta; never REPLACE, which would cascade-delete children). */
export function insertSql(set: TableSet, kind: RecordKind, upsert: boolean): string {
  const cols = columnsOf(kind);
  const base = `INSERT INTO ${tableOf(set, kind)} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`;
  if (!upsert) return base;
  return `${base} ON CONFLICT(id) DO UPDATE SET ${cols.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ')}`;
}

export function rowOf(kind: RecordKind, id: string, record: object): Record<string, unknown> {
  const r = record as Record<string, unknown>;
  const row: Record<string, unknown> = { id, data: JSON.stringify(record) };
  if (CHILD_KINDS.has(kind)) row.member_id = r.memberId;
  if (kind === 'credentials') Object.assign(row, { kind: r.kind, value: r.value });
  if (kind === 'rights') row.counted_until = r.visitsCountedUntil ?? null;
  return row;
}
