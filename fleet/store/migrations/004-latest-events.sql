-- The latest event per (box, family, subject), family = the kind up to its first dot
-- ("printer" for printer.paper-end): what the alert rules read on every evaluation, kept
-- up to date at insert instead of searched for in the whole event history.
CREATE TABLE latest_events (
  box_id TEXT NOT NULL REFERENCES boxes(id) ON DELETE CASCADE,
  family TEXT NOT NULL,
  subject TEXT NOT NULL,
  kind TEXT NOT NULL,
  at INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  PRIMARY KEY (box_id, family, subject)
) WITHOUT ROWID;
INSERT INTO latest_events (box_id, family, subject, kind, at, event_id)
  SELECT box_id, substr(kind, 1, instr(kind, '.') - 1), subject, kind, max(at), event_id
    FROM events WHERE subject IS NOT NULL AND instr(kind, '.') > 0
    GROUP BY box_id, substr(kind, 1, instr(kind, '.') - 1), subject;
