CREATE TABLE kms_keys (
    key_id {id} PRIMARY KEY,
    description {text} NOT NULL,
    key_spec {text} NOT NULL,
    key_usage {text} NOT NULL,
    origin {text} NOT NULL,
    protection_level {text} NOT NULL,
    key_state {text} NOT NULL,
    creator {text} NOT NULL,
    created_at {int} NOT NULL,
    delete_at {int},
    deletion_protection {bool} NOT NULL,
    deletion_protection_description {text} NOT NULL,
    rotation_interval {int},
    next_rotation_at {int},
    last_rotation_at {int} NOT NULL,
    primary_version {id} NOT NULL,
    is_default {bool} NOT NULL
[mysql] , default_marker {int} AS (CASE WHEN is_default THEN 1 END) STORED UNIQUE
){table};
-- One default key.
[sqlite,postgres] CREATE UNIQUE INDEX kms_keys_default ON kms_keys(is_default) WHERE is_default = {true};

CREATE TABLE kms_key_versions (
    key_id {id} NOT NULL,
    version_id {id} NOT NULL,
    material_sealed {blob} NOT NULL,
    created_at {int} NOT NULL,
    PRIMARY KEY (key_id, version_id),
    FOREIGN KEY (key_id) REFERENCES kms_keys(key_id)
){table};

CREATE TABLE kms_aliases (
    alias_name {id} PRIMARY KEY,
    key_id {id} NOT NULL,
    created_at {int} NOT NULL,
    updated_at {int} NOT NULL,
    FOREIGN KEY (key_id) REFERENCES kms_keys(key_id)
){table};
CREATE INDEX kms_aliases_key ON kms_aliases(key_id);

-- resource_type: 'key' | 'secret'
CREATE TABLE tags (
    resource_type {id} NOT NULL,
    resource_id {id} NOT NULL,
    tag_key {id} NOT NULL,
    tag_value {text} NOT NULL,
    PRIMARY KEY (resource_type, resource_id, tag_key)
){table};

CREATE TABLE secrets (
    secret_name {id} PRIMARY KEY,
    secret_type {text} NOT NULL,
    description {text} NOT NULL,
    encryption_key_id {text} NOT NULL,
    created_at {int} NOT NULL,
    updated_at {int} NOT NULL,
    planned_delete_at {int},
    extended_config {text},
    rotation_enabled {bool} NOT NULL,
    rotation_interval {int},
    next_rotation_at {int},
    last_rotation_at {int},
    policy {text},
    next_seq {int} NOT NULL
){table};
-- The scheduler's and the purge's indexes: partial where the dialect has them.
[sqlite,postgres] CREATE INDEX secrets_due ON secrets(next_rotation_at) WHERE rotation_enabled = {true};
[sqlite,postgres] CREATE INDEX secrets_purge ON secrets(planned_delete_at) WHERE planned_delete_at IS NOT NULL;
[mysql] CREATE INDEX secrets_due ON secrets(rotation_enabled, next_rotation_at);
[mysql] CREATE INDEX secrets_purge ON secrets(planned_delete_at);

CREATE TABLE secret_versions (
    secret_name {id} NOT NULL,
    version_id {id} NOT NULL,
    seq {int} NOT NULL,
    data_type {text} NOT NULL,
    key_id {text} NOT NULL,
    key_version_id {text} NOT NULL,
    wrapped_key {blob} NOT NULL,
    ciphertext {blob} NOT NULL,
    created_at {int} NOT NULL,
    PRIMARY KEY (secret_name, version_id),
    FOREIGN KEY (secret_name) REFERENCES secrets(secret_name)
){table};

CREATE TABLE secret_stages (
    secret_name {id} NOT NULL,
    stage {id} NOT NULL,
    version_id {id} NOT NULL,
    PRIMARY KEY (secret_name, stage),
    FOREIGN KEY (secret_name, version_id) REFERENCES secret_versions(secret_name, version_id)
){table};
[postgres,mysql] CREATE INDEX secret_stages_version ON secret_stages(secret_name, version_id);
