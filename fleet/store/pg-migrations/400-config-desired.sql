-- Remote configuration (fleet/config): the configuration support wants each box to run,
-- as the whole box configuration (JSON of the YAML file's schema), its version (grows by
-- one at every change), who set it, with which ticket and when. What the box runs comes
-- back on config/reported (boxes.config_reported, migration 005).
CREATE TABLE config_desired (
  box_id TEXT PRIMARY KEY REFERENCES boxes(id) ON DELETE CASCADE,
  version BIGINT NOT NULL CHECK (version >= 1),
  config TEXT NOT NULL,
  set_by TEXT NOT NULL,
  ticket TEXT,
  set_at BIGINT NOT NULL
);

-- The live topic "config" (fleet/store/live-probe.ts): a desired configuration set, or a
-- box's config/reported received.
CREATE TRIGGER config_desired_live AFTER INSERT OR UPDATE OR DELETE ON config_desired FOR EACH STATEMENT EXECUTE FUNCTION resabox_live_notify('config');
CREATE TRIGGER boxes_live_config AFTER UPDATE ON boxes FOR EACH ROW WHEN (OLD.config_reported_at IS DISTINCT FROM NEW.config_reported_at) EXECUTE FUNCTION resabox_live_notify('config');
