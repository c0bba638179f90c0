-- The contract identifies a pass by (box, seq) alone; keep which batch carried it instead.
ALTER TABLE passes RENAME COLUMN pass_id TO batch_id;
