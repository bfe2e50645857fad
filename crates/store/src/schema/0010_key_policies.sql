-- Key policies: a key's own resource policy (NULL: the default policy,
-- which leaves access to the identity policies).
ALTER TABLE kms_keys ADD COLUMN policy {text};
