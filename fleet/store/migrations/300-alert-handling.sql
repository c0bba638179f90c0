-- Alerts that reach people (issue 16): acknowledgement with a note, assignment, silences,
-- notification subscriptions and one delivery row per (alert, subscription).
ALTER TABLE alerts ADD COLUMN acknowledged_at INTEGER;
ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;
ALTER TABLE alerts ADD COLUMN ack_note TEXT;
ALTER TABLE alerts ADD COLUMN assignee TEXT;

CREATE TABLE alert_silences (
  id INTEGER PRIMARY KEY,
  scope TEXT NOT NULL CHECK (scope IN ('box', 'rule', 'club')),
  target TEXT NOT NULL,
  until INTEGER NOT NULL,
  note TEXT,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX alert_silences_until ON alert_silences(until);

CREATE TABLE notification_subscriptions (
  id TEXT PRIMARY KEY,
  channel TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
  target TEXT NOT NULL,
  secret TEXT,
  role TEXT,
  club_id TEXT,
  created_at INTEGER NOT NULL
);

-- UNIQUE: one notification per alert and subscription, whatever retries or restarts happen.
CREATE TABLE notification_deliveries (
  id INTEGER PRIMARY KEY,
  alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  subscription_id TEXT NOT NULL REFERENCES notification_subscriptions(id) ON DELETE CASCADE,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER,
  UNIQUE (alert_id, subscription_id)
);
CREATE INDEX notification_deliveries_due ON notification_deliveries(status, next_at);
