-- Secrets and their stage labels are looked up by their primary key on
-- every read: as WITHOUT ROWID tables each lookup is one B-tree descent
-- instead of an index descent plus a table descent.
CREATE TABLE secrets_new (
    secret_name TEXT NOT NULL PRIMARY KEY,
    secret_type TEXT NOT NULL,
    description TEXT NOT NULL,
    encryption_key_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    planned_delete_at INTEGER,
    extended_config TEXT,
    rotation_enabled INTEGER NOT NULL,
    rotation_interval INTEGER,
    next_rotation_at INTEGER,
    last_rotation_at INTEGER,
    policy TEXT,
    next_seq INTEGER NOT NULL,
    rotation_error TEXT,
    rotation_failures INTEGER NOT NULL DEFAULT 0,
    rotation_retry_at INTEGER,
    pending_key_id TEXT,
    pending_key_delete_at INTEGER,
    lease_owner TEXT,
    lease_until INTEGER
) WITHOUT ROWID;
INSERT INTO secrets_new (secret_name, secret_type, description, encryption_key_id, created_at,
    updated_at, planned_delete_at, extended_config, rotation_enabled, rotation_interval,
    next_rotation_at, last_rotation_at, policy, next_seq, rotation_error, rotation_failures,
    rotation_retry_at, pending_key_id, pending_key_delete_at, lease_owner, lease_until)
SELECT secret_name, secret_type, description, encryption_key_id, created_at,
    updated_at, planned_delete_at, extended_config, rotation_enabled, rotation_interval,
    next_rotation_at, last_rotation_at, policy, next_seq, rotation_error, rotation_failures,
    rotation_retry_at, pending_key_id, pending_key_delete_at, lease_owner, lease_until
FROM secrets;

CREATE TABLE secret_stages_new (
    secret_name TEXT NOT NULL,
    stage TEXT NOT NULL,
    version_id TEXT NOT NULL,
    PRIMARY KEY (secret_name, stage),
    FOREIGN KEY (secret_name, version_id) REFERENCES secret_versions(secret_name, version_id)
) WITHOUT ROWID;
INSERT INTO secret_stages_new (secret_name, stage, version_id)
SELECT secret_name, stage, version_id FROM secret_stages;

DROP TABLE secret_stages;
DROP TABLE secrets;
ALTER TABLE secrets_new RENAME TO secrets;
ALTER TABLE secret_stages_new RENAME TO secret_stages;

CREATE INDEX secrets_due ON secrets(next_rotation_at) WHERE rotation_enabled = 1;
CREATE INDEX secrets_purge ON secrets(planned_delete_at) WHERE planned_delete_at IS NOT NULL;
CREATE INDEX secrets_pending_key ON secrets(pending_key_delete_at) WHERE pending_key_delete_at IS NOT NULL;
-- Failed rotations waiting for their retry (the scheduler's third index).
CREATE INDEX secrets_retry ON secrets(rotation_retry_at) WHERE rotation_retry_at IS NOT NULL;
CREATE TRIGGER secrets_count_insert AFTER INSERT ON secrets
    BEGIN UPDATE counters SET n = n + 1 WHERE name = 'secrets'; END;
CREATE TRIGGER secrets_count_delete AFTER DELETE ON secrets
    BEGIN UPDATE counters SET n = n - 1 WHERE name = 'secrets'; END;
