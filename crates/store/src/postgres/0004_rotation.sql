ALTER TABLE secrets ADD COLUMN rotation_error TEXT;
ALTER TABLE secrets ADD COLUMN rotation_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE secrets ADD COLUMN rotation_retry_at BIGINT;
ALTER TABLE secrets ADD COLUMN pending_key_id TEXT;
ALTER TABLE secrets ADD COLUMN pending_key_delete_at BIGINT;
ALTER TABLE secrets ADD COLUMN lease_owner TEXT;
ALTER TABLE secrets ADD COLUMN lease_until BIGINT;
CREATE INDEX secrets_pending_key ON secrets(pending_key_delete_at) WHERE pending_key_delete_at IS NOT NULL;
