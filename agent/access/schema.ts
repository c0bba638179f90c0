/**
 * SQLite schema of the rights store. Each record is kept whole as JSON in `data`; the
 * columns beside it are what constraints and indexes need. Children reference members
 * with ON DELETE CASCADE (deleting a member deletes its credentials, rights and bookings) and carry an index on member_id so that the cascade stays fast.
 */
export const RIGHTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS members (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS zones (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS qrKeys (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (
  id TEXT PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  data TEXT NOT NULL,
  UNIQUE (kind, value)
);
CREATE INDEX IF NOT EXISTS credentials_member ON credentials(member_id);
CREATE TABLE IF NOT EXISTS rights (
  id TEXT PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
  counted_until INTEGER,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rights_member ON rights(member_id);
CREATE TABLE IF NOT EXISTS bookings (
  id TEXT PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS bookings_member ON bookings(member_id);
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

export const PRUNE_COUNTED_VISITS = `
DELETE FROM local_visits WHERE NOT EXISTS (
  SELECT 1 FROM rights r WHERE r.id = local_visits.right_id AND (r.counted_until IS NULL OR r.counted_until < local_visits.at)
)`;
