-- The occupancy relay (fleet/ingest/occupancy-relay.ts) reads a club's other boxes' recent
-- passages when a box comes online: by box and time, never a scan of every box's passes.
CREATE INDEX passes_box_at ON passes(box_id, at);
