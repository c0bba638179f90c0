-- Core fleet schema. Times are epoch milliseconds (INTEGER); JSON columns hold TEXT.

-- A club: its timezone and weekly opening hours decide maintenance windows (updates and
-- disruptive commands go outside opening hours). opening_hours is JSON:
-- {"mon":[["06:00","22:30"]],"tue":[...],...,"sun":[]} in the club's local time.
CREATE TABLE clubs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  timezone TEXT NOT NULL,
  opening_hours TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);

-- A box. status: pending (enrolment code issued, no credential yet), active, revoked.
-- credential_hash is "scrypt$N$r$p$salt_b64$hash_b64" of the MQTT secret; never the secret.
CREATE TABLE boxes (
  id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 2 AND 63),
  club_id TEXT REFERENCES clubs(id),
  name TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'revoked')),
  credential_hash TEXT,
  agent_version TEXT,
  online INTEGER NOT NULL DEFAULT 0 CHECK (online IN (0, 1)),
  online_changed_at INTEGER,
  last_seen_at INTEGER,
  last_state TEXT,
  last_health TEXT,
  rights_version INTEGER,
  rights_reported_at INTEGER,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX boxes_club ON boxes(club_id);

CREATE TABLE box_tags (
  box_id TEXT NOT NULL REFERENCES boxes(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (box_id, tag)
);
CREATE INDEX box_tags_tag ON box_tags(tag);

-- Latest known status of each device of a box (from health), one row per device.
CREATE TABLE devices (
  box_id TEXT NOT NULL REFERENCES boxes(id) ON DELETE CASCADE,
  device_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '{}',
  status_since INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (box_id, device_id)
);

-- Numeric health metrics, narrow so that downsampling is one GROUP BY.
-- resolution_ms = 0 for raw samples, 900000 for 15-minute averages (samples = how many
-- raw points the average covers).
CREATE TABLE health_metrics (
  box_id TEXT NOT NULL REFERENCES boxes(id) ON DELETE CASCADE,
  metric TEXT NOT NULL,
  resolution_ms INTEGER NOT NULL,
  at INTEGER NOT NULL,
  value REAL NOT NULL,
  samples INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (box_id, metric, resolution_ms, at)
) WITHOUT ROWID;
CREATE INDEX health_metrics_age ON health_metrics(resolution_ms, at);

-- Events reported by boxes; (box_id, event_id) makes redelivery harmless.
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  box_id TEXT NOT NULL REFERENCES boxes(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL DEFAULT 'info',
  subject TEXT,
  data TEXT NOT NULL DEFAULT '{}',
  received_at INTEGER NOT NULL,
  UNIQUE (box_id, event_id)
);
CREATE INDEX events_box_at ON events(box_id, at);

-- Alerts open and resolve by themselves; resolved rows are kept as history.
-- At most one open alert per (box, rule, subject): the partial unique index.
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  box_id TEXT NOT NULL REFERENCES boxes(id) ON DELETE CASCADE,
  rule TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
  message TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '{}',
  opened_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  resolved_at INTEGER
);
CREATE UNIQUE INDEX alerts_one_open ON alerts(box_id, rule, subject) WHERE status = 'open';
CREATE INDEX alerts_status ON alerts(status, opened_at);

-- Passes, stored once per (box, seq): the box's journal sequence number.
CREATE TABLE passes (
  box_id TEXT NOT NULL REFERENCES boxes(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  pass_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  lane TEXT NOT NULL,
  direction TEXT,
  granted INTEGER NOT NULL CHECK (granted IN (0, 1)),
  reason TEXT NOT NULL,
  outcome TEXT,
  member_id TEXT,
  credential_kind TEXT,
  rights_version INTEGER,
  data TEXT NOT NULL DEFAULT '{}',
  received_at INTEGER NOT NULL,
  PRIMARY KEY (box_id, seq)
);
CREATE INDEX passes_at ON passes(at);
CREATE INDEX passes_member ON passes(member_id, at);

-- Members' rights, versioned per club: every change bumps rights_versions.version and
-- stamps the changed row with it, so a delta for a box at version v is "rows with
-- version > v" (deleted rows stay as tombstones with deleted = 1).
CREATE TABLE rights_versions (
  club_id TEXT PRIMARY KEY REFERENCES clubs(id) ON DELETE CASCADE,
  version INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);

CREATE TABLE zones (
  club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  data TEXT NOT NULL DEFAULT '{}',
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (club_id, id)
);

CREATE TABLE members (
  club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'active',
  valid_from INTEGER,
  valid_until INTEGER,
  data TEXT NOT NULL DEFAULT '{}',
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (club_id, id)
);
CREATE INDEX members_version ON members(club_id, version);

CREATE TABLE credentials (
  club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  valid_from INTEGER,
  valid_until INTEGER,
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (club_id, id)
);
CREATE INDEX credentials_version ON credentials(club_id, version);
CREATE INDEX credentials_value ON credentials(club_id, kind, value);

CREATE TABLE access_rights (
  club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  zone_id TEXT NOT NULL,
  schedule TEXT NOT NULL DEFAULT '{}',
  valid_from INTEGER,
  valid_until INTEGER,
  data TEXT NOT NULL DEFAULT '{}',
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (club_id, id)
);
CREATE INDEX access_rights_version ON access_rights(club_id, version);

-- Remote commands. The expiry travels in the payload (MQTT 3.1.1 has none).
CREATE TABLE commands (
  id TEXT PRIMARY KEY,
  box_id TEXT NOT NULL REFERENCES boxes(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  args TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  operator TEXT NOT NULL,
  ticket TEXT,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'succeeded', 'failed', 'expired', 'rejected')),
  result TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX commands_box ON commands(box_id, created_at);
CREATE INDEX commands_open ON commands(status, expires_at);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  detail TEXT NOT NULL DEFAULT '{}',
  source_ip TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);

-- API tokens, stored as a hash of the token; the token itself is shown once.
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER,
  last_used_at INTEGER
);

-- One-time enrolment codes (hashed), each bound to a pending box.
CREATE TABLE enrollment_codes (
  code_hash TEXT PRIMARY KEY,
  box_id TEXT NOT NULL REFERENCES boxes(id) ON DELETE CASCADE,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
