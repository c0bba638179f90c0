-- The latest event per (box, family, subject), family = the kind up to its first dot
-- ("printer" for printer.paper-end): what the alert rules read on every evaluation, kept
-- up to date at insert instead of searched for in the whole event history.
CREATE TABLE latest_events (
  box_id TEXT NOT NULL REFERENCES boxes(id) ON DELETE CASCADE,
  family TEXT NOT NULL,
  subject TEXT NOT NULL,
  kind TEXT NOT NULL,
  at BIGINT NOT NULL,
  event_id TEXT NOT NULL,
  PRIMARY KEY (box_id, family, subject)
);
INSERT INTO latest_events (box_id, family, subject, kind, at, event_id)
  SELECT DISTINCT ON (box_id, split_part(kind, '.', 1), subject) box_id, split_part(kind, '.', 1), subject, kind, at, event_id
    FROM events WHERE subject IS NOT NULL AND strpos(kind, '.') > 0
    ORDER BY box_id, split_part(kind, '.', 1), subject, at DESC, id DESC;
