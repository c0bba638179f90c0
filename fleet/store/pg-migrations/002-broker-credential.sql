-- The same box secret hashed for an external broker (Mosquitto's PBKDF2-SHA512 "$7$"
-- format), so the fleet can regenerate the broker's password file without the secret.
ALTER TABLE boxes ADD COLUMN broker_credential_hash TEXT;
