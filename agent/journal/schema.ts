import type { Database } from 'better-sqlite3';
import { JournalError } from './errors.ts';
import { useDurably } from '../../platform/sqlite.ts';

/** Version of the on-disk layout, kept in PRAGMA user_version. */
export const JOURNAL_SCHEMA_VERSION = 5;

/**
 * The oldest layout whose code can still use a file of this layout, kept in the file
 * (journal_meta.min_reader). Additive changes (a new nullable column, a new index) keep it:
 * a release rolled back after a newer one upgraded the file must still open its journal.
 * Raise it only for a change older code would corrupt or misread.
 */
export const JOURNAL_MIN_READER = 1;

/**
 * `seq` is AUTOINCREMENT on purpose: plain INTEGER PRIMARY KEY reuses the highest rowid
 * once that row is deleted, and a pass sequence number must never be reused, even after
 * pruning every acknowledged row. sqlite_sequence keeps the high-water mark on disk.
 */
const MIGRATION_1 = `
CREATE TABLE passes (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  ts      INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  lane_id TEXT NOT NULL,
  -- The contract's Pass as JSON, without seq (the row's key).
  body    TEXT NOT NULL
);
-- The lanes rebuild occupancy and anti-passback from the last hours of passes at start.
CREATE INDEX passes_ts ON passes (ts);
CREATE TABLE outbox (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  acked_seq INTEGER NOT NULL
);
INSERT INTO outbox (id, acked_seq) VALUES (1, 0);
`;

/**
 * Facts the box needs after a restart that the contract's Pass does not carry (the fleet
 * never sees them): the nonce of a used QR token, whether a manual or emergency passage
 * was confirmed. JSON, NULL when there are none (see pass-record.ts LocalFacts).
 */
const MIGRATION_2 = `ALTER TABLE passes ADD COLUMN local TEXT;
CREATE TABLE journal_meta (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  min_reader INTEGER NOT NULL
);
INSERT INTO journal_meta (id, min_reader) VALUES (1, ${JOURNAL_MIN_READER});`;

/**
 * The front desk's needs: a member's last passes (an index on the member of the stored
 * Pass, no new column) and the occupancy corrections, replayed at start with the passes.
 * Additive: older agents read the file as before (min_reader unchanged).
 */
const MIGRATION_3 = `CREATE INDEX passes_member ON passes (json_extract(body, '$.memberId'), seq);
CREATE TABLE occupancy_corrections (
  id       INTEGER PRIMARY KEY,
  ts       INTEGER NOT NULL,
  zone_id  TEXT NOT NULL,
  count    INTEGER NOT NULL,
  operator TEXT NOT NULL,
  reason   TEXT NOT NULL
);
CREATE INDEX occupancy_corrections_ts ON occupancy_corrections (ts);`;

/**
 * The decision's explanation (protocol/access/explanation.ts) as bounded JSON, NULL when the
 * pass has none. Apart from the body so the start-up replay never parses it; published with
 * the pass. Additive: a release that reads v3 or older ignores the column (min_reader stays 1).
 */
const MIGRATION_4 = 'ALTER TABLE passes ADD COLUMN explanation TEXT;';

/**
 * The confirmed passages of the club's other boxes, relayed by the fleet (occupancy per club
 * zone): kept so the figure survives a restart, once per (origin box, seq) so a redelivery
 * counts once. Never published. Additive (min_reader stays 1).
 */
const MIGRATION_5 = `CREATE TABLE relayed_passages (
  origin_box TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  ts         INTEGER NOT NULL,
  zone_id    TEXT NOT NULL,
  direction  TEXT NOT NULL,
  member_id  TEXT,
  ticket_id  TEXT,
  PRIMARY KEY (origin_box, seq)
);
CREATE INDEX relayed_passages_ts ON relayed_passages (ts);`;

/**
 * WAL + synchronous=FULL (platform/sqlite.ts): a committed pass survives a power cut, and
 * readers (the uplink) never block the writer. Appends touch only the last pages: 1 MB of
 * page cache is plenty.
 */
export function prepareJournalDatabase(db: Database): void {
  useDurably(db, 1024);
  db.pragma('foreign_keys = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > JOURNAL_SCHEMA_VERSION) {
    // A newer agent's file (a rollback): usable as is if that layout says this one can read it.
    const minReader = readMinReader(db);
    if (minReader !== undefined && minReader <= JOURNAL_SCHEMA_VERSION) return;
    throw new JournalError('JOURNAL_SCHEMA_UNSUPPORTED', `journal schema version ${version} is newer than this agent (${JOURNAL_SCHEMA_VERSION}) and needs at least version ${minReader ?? version} to be read`);
  }
  if (version < JOURNAL_SCHEMA_VERSION) {
    db.transaction(() => {
      if (version < 1) db.exec(MIGRATION_1);
      if (version < 2) db.exec(MIGRATION_2);
      if (version < 3) db.exec(MIGRATION_3);
      if (version < 4) db.exec(MIGRATION_4);
      if (version < 5) db.exec(MIGRATION_5);
      db.pragma(`user_version = ${JOURNAL_SCHEMA_VERSION}`);
    })();
  }
}

function readMinReader(db: Database): number | undefined {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal_meta'").get();
  if (!table) return undefined;
  const row = db.prepare('SELECT min_reader FROM journal_meta WHERE id = 1').get() as { min_reader: number } | undefined;
  return row?.min_reader;
}
