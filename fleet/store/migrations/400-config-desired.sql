-- Remote configuration (fleet/config): the configuration support wants each box to run,
-- as the whole box configuration (JSON of the YAML file's schema), its version (grows by
-- one at every change), who set it, with which ticket and when. What the box runs comes
-- back on config/reported (boxes.config_reported, migration 005).
CREATE TABLE config_desired (
  box_id TEXT PRIMARY KEY REFERENCES boxes(id) ON DELETE CASCADE,
  version INTEGER NOT NULL CHECK (version >= 1),
  config TEXT NOT NULL,
  set_by TEXT NOT NULL,
  ticket TEXT,
  set_at INTEGER NOT NULL
);
