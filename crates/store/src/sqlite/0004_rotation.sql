ALTER TABLE secrets ADD COLUMN rotation_error TEXT;
ALTER TABLE secrets ADD COLUMN rotation_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE secrets ADD COLUMN rotation_retry_at INTEGER;
ALTER TABLE secrets ADD COLUMN pending_key_id TEXT;
ALTER TABLE secrets ADD COLUMN pending_key_delete_at INTEGER;
ALTER TABLE secrets ADD COLUMN lease_owner TEXT;
ALTER TABLE secrets ADD COLUMN lease_until INTEGER;
CREATE INDEX secrets_pending_key ON secrets(pending_key_delete_at) WHERE pending_key_delete_at IS NOT NULL;
