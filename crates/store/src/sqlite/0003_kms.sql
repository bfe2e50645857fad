CREATE TABLE kms_keys (
    key_id TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    key_spec TEXT NOT NULL,
    key_usage TEXT NOT NULL,
    origin TEXT NOT NULL,
    protection_level TEXT NOT NULL,
    key_state TEXT NOT NULL,
    creator TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    delete_at INTEGER,
    deletion_protection INTEGER NOT NULL,
    deletion_protection_description TEXT NOT NULL,
    rotation_interval INTEGER,
    next_rotation_at INTEGER,
    last_rotation_at INTEGER NOT NULL,
    primary_version TEXT NOT NULL,
    is_default INTEGER NOT NULL
);
CREATE UNIQUE INDEX kms_keys_default ON kms_keys(is_default) WHERE is_default = 1;

CREATE TABLE kms_key_versions (
    key_id TEXT NOT NULL REFERENCES kms_keys(key_id),
    version_id TEXT NOT NULL,
    material_sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (key_id, version_id)
);

CREATE TABLE kms_aliases (
    alias_name TEXT PRIMARY KEY,
    key_id TEXT NOT NULL REFERENCES kms_keys(key_id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX kms_aliases_key ON kms_aliases(key_id);

-- resource_type: 'key' | 'secret'
CREATE TABLE tags (
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (resource_type, resource_id, tag_key)
);

CREATE TABLE secrets (
    secret_name TEXT PRIMARY KEY,
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
    next_seq INTEGER NOT NULL
);
CREATE INDEX secrets_due ON secrets(next_rotation_at) WHERE rotation_enabled = 1;
CREATE INDEX secrets_purge ON secrets(planned_delete_at) WHERE planned_delete_at IS NOT NULL;

CREATE TABLE secret_versions (
    secret_name TEXT NOT NULL REFERENCES secrets(secret_name),
    version_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data_type TEXT NOT NULL,
    key_id TEXT NOT NULL,
    key_version_id TEXT NOT NULL,
    wrapped_key BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (secret_name, version_id)
);

CREATE TABLE secret_stages (
    secret_name TEXT NOT NULL,
    stage TEXT NOT NULL,
    version_id TEXT NOT NULL,
    PRIMARY KEY (secret_name, stage),
    FOREIGN KEY (secret_name, version_id) REFERENCES secret_versions(secret_name, version_id)
);
