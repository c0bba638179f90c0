-- The two rights collections of the MQTT contract that 001 has no table for. Same
-- versioning as the others: a change stamps the row with the club's new version, a delete
-- leaves a tombstone (deleted = 1), `data` holds the record as the contract defines it.
CREATE TABLE rights_bookings (
  club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  zone_id TEXT NOT NULL,
  data TEXT NOT NULL,
  version BIGINT NOT NULL,
  deleted BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (club_id, id)
);
CREATE INDEX rights_bookings_version ON rights_bookings(club_id, version);

CREATE TABLE rights_qr_keys (
  club_id TEXT NOT NULL REFERENCES clubs(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  data TEXT NOT NULL,
  version BIGINT NOT NULL,
  deleted BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (club_id, id)
);
CREATE INDEX rights_qr_keys_version ON rights_qr_keys(club_id, version);
