-- Enrollment, API side (docs/fleet-api.md "Enrollment").
--
-- A club-wide enrollment code is not bound to a box: the box that presents it proposes
-- its id (or gets one). Codes bound to a pre-created box live in enrollment_codes (001).
CREATE TABLE club_enrollment_codes (
  code_hash TEXT PRIMARY KEY,
  club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
  tags TEXT NOT NULL DEFAULT '[]',
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);

-- One row per presented code. The box keeps a random poll secret and sends only its
-- SHA-256 (poll_secret_hash); it polls with the secret itself, so neither the request
-- log nor this table can be replayed into a credential fetch. The MQTT secret is
-- generated at delivery time and only its scrypt hash is kept (boxes.credential_hash).
-- status: pending -> accepted -> delivered, or pending -> rejected.
CREATE TABLE enrollment_requests (
  id TEXT PRIMARY KEY,
  box_id TEXT NOT NULL,
  club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
  code_kind TEXT NOT NULL CHECK (code_kind IN ('box', 'club')),
  hardware TEXT NOT NULL DEFAULT '{}',
  agent_version TEXT NOT NULL,
  poll_secret_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected', 'delivered')),
  source_ip TEXT,
  created_at BIGINT NOT NULL,
  decided_at BIGINT,
  decided_by TEXT,
  delivered_at BIGINT
);
CREATE INDEX enrollment_requests_status ON enrollment_requests(status, created_at);
