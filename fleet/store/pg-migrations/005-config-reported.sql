-- The box's latest config/reported message (the configuration version it applied, or
-- rejected with the bad fields) and when the fleet received it.
ALTER TABLE boxes ADD COLUMN config_reported TEXT;
ALTER TABLE boxes ADD COLUMN config_reported_at BIGINT;
