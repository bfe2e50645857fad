-- Failed rotations waiting for their retry: with secrets_due and
-- secrets_pending_key, the scheduler finds due secrets without a scan.
-- (SQLite has it from its own migration 7.)
[postgres] CREATE INDEX secrets_retry ON secrets(rotation_retry_at) WHERE rotation_retry_at IS NOT NULL;
[mysql] CREATE INDEX secrets_retry ON secrets(rotation_retry_at);
