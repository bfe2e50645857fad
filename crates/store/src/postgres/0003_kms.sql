CREATE TABLE kms_keys (
    key_id TEXT COLLATE "C" PRIMARY KEY,
    description TEXT NOT NULL,
    key_spec TEXT NOT NULL,
    key_usage TEXT NOT NULL,
    origin TEXT NOT NULL,
    protection_level TEXT NOT NULL,
    key_state TEXT NOT NULL,
    creator TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    delete_at BIGINT,
    deletion_protection BOOLEAN NOT NULL,
    deletion_protection_description TEXT NOT NULL,
    rotation_interval BIGINT,
    next_rotation_at BIGINT,
    last_rotation_at BIGINT NOT NULL,
    primary_version TEXT COLLATE "C" NOT NULL,
    is_default BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX kms_keys_default ON kms_keys(is_default) WHERE is_default;

CREATE TABLE kms_key_versions (
    key_id TEXT COLLATE "C" NOT NULL REFERENCES kms_keys(key_id),
    version_id TEXT COLLATE "C" NOT NULL,
    material_sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (key_id, version_id)
);

CREATE TABLE kms_aliases (
    alias_name TEXT COLLATE "C" PRIMARY KEY,
    key_id TEXT COLLATE "C" NOT NULL REFERENCES kms_keys(key_id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX kms_aliases_key ON kms_aliases(key_id);

-- resource_type: 'key' | 'secret'
CREATE TABLE tags (
    resource_type TEXT COLLATE "C" NOT NULL,
    resource_id TEXT COLLATE "C" NOT NULL,
    tag_key TEXT COLLATE "C" NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (resource_type, resource_id, tag_key)
);

CREATE TABLE secrets (
    secret_name TEXT COLLATE "C" PRIMARY KEY,
    secret_type TEXT NOT NULL,
    description TEXT NOT NULL,
    encryption_key_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    planned_delete_at BIGINT,
    extended_config TEXT,
    rotation_enabled BOOLEAN NOT NULL,
    rotation_interval BIGINT,
    next_rotation_at BIGINT,
    last_rotation_at BIGINT,
    policy TEXT,
    next_seq BIGINT NOT NULL
);
CREATE INDEX secrets_due ON secrets(next_rotation_at) WHERE rotation_enabled;
CREATE INDEX secrets_purge ON secrets(planned_delete_at) WHERE planned_delete_at IS NOT NULL;

CREATE TABLE secret_versions (
    secret_name TEXT COLLATE "C" NOT NULL REFERENCES secrets(secret_name),
    version_id TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL,
    data_type TEXT NOT NULL,
    key_id TEXT NOT NULL,
    key_version_id TEXT NOT NULL,
    wrapped_key BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (secret_name, version_id)
);

CREATE TABLE secret_stages (
    secret_name TEXT COLLATE "C" NOT NULL,
    stage TEXT COLLATE "C" NOT NULL,
    version_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (secret_name, stage),
    FOREIGN KEY (secret_name, version_id) REFERENCES secret_versions(secret_name, version_id)
);
CREATE INDEX secret_stages_version ON secret_stages(secret_name, version_id);
