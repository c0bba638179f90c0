-- Who did it and under which support ticket, as columns so that support can search by
-- ticket and role without parsing the detail JSON.
ALTER TABLE audit_log ADD COLUMN actor_role TEXT;
ALTER TABLE audit_log ADD COLUMN ticket TEXT;
CREATE INDEX audit_log_ticket ON audit_log(ticket) WHERE ticket IS NOT NULL;
