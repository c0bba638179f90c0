-- Update artifacts and staged rollouts (fleet/rollouts, docs/rollouts.md).

-- A bundle uploaded into the TUF repository's targets/ folder. Hashes are of the stored
-- bytes, computed while streaming; the signer copies them into targets.json.
CREATE TABLE update_artifacts (
  target_name TEXT PRIMARY KEY,
  length INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  sha512 TEXT NOT NULL,
  uploaded_by TEXT NOT NULL,
  ticket TEXT,
  uploaded_at INTEGER NOT NULL
);

-- state: draft, running, paused, halted, completed, cancelled (fleet/rollouts/machine.ts).
-- target: JSON {"boxes":[...],"clubs":[...],"tags":[...]} (a box matching any of them).
-- percents: JSON array of cumulative wave percentages ending at 100.
CREATE TABLE rollouts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('draft', 'running', 'paused', 'halted', 'completed', 'cancelled')),
  version TEXT NOT NULL,
  target_name TEXT NOT NULL REFERENCES update_artifacts(target_name),
  channel TEXT NOT NULL,
  hardware TEXT NOT NULL,
  target TEXT NOT NULL,
  canary INTEGER NOT NULL,
  percents TEXT NOT NULL,
  current_wave INTEGER NOT NULL DEFAULT 0,
  success_pct REAL NOT NULL,
  error_pct REAL NOT NULL,
  max_attempts INTEGER NOT NULL,
  job_timeout_ms INTEGER NOT NULL,
  prefetch INTEGER NOT NULL CHECK (prefetch IN (0, 1)),
  outside_opening_hours INTEGER NOT NULL CHECK (outside_opening_hours IN (0, 1)),
  idle_minutes INTEGER,
  halt_reason TEXT,
  created_by TEXT NOT NULL,
  ticket TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER
);
CREATE INDEX rollouts_state ON rollouts(state);

-- One row per targeted box. state: pending, scheduled, in-progress, succeeded, failed,
-- rolled-back, skipped; update_state mirrors the box's own update machine
-- (update/status), last_error its coded error (why it failed or rolled back).
CREATE TABLE rollout_boxes (
  rollout_id TEXT NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
  box_id TEXT NOT NULL REFERENCES boxes(id) ON DELETE CASCADE,
  wave INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'scheduled', 'in-progress', 'succeeded', 'failed', 'rolled-back', 'skipped')),
  attempts INTEGER NOT NULL DEFAULT 0,
  job_id TEXT,
  update_state TEXT,
  last_error TEXT,
  prefetched INTEGER NOT NULL DEFAULT 0,
  abort_sent INTEGER NOT NULL DEFAULT 0,
  joined_late INTEGER NOT NULL DEFAULT 0,
  last_change_at INTEGER NOT NULL,
  PRIMARY KEY (rollout_id, box_id)
);
CREATE INDEX rollout_boxes_box ON rollout_boxes(box_id);
