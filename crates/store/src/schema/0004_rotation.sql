ALTER TABLE secrets ADD COLUMN rotation_error {text};
ALTER TABLE secrets ADD COLUMN rotation_failures {int} NOT NULL DEFAULT 0;
ALTER TABLE secrets ADD COLUMN rotation_retry_at {int};
ALTER TABLE secrets ADD COLUMN pending_key_id {text};
ALTER TABLE secrets ADD COLUMN pending_key_delete_at {int};
ALTER TABLE secrets ADD COLUMN lease_owner {text};
ALTER TABLE secrets ADD COLUMN lease_until {int};
[sqlite,postgres] CREATE INDEX secrets_pending_key ON secrets(pending_key_delete_at) WHERE pending_key_delete_at IS NOT NULL;
[mysql] CREATE INDEX secrets_pending_key ON secrets(pending_key_delete_at);
