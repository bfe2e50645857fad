-- Imported key material: when it expires (NULL: never, or not imported).
ALTER TABLE kms_keys ADD COLUMN material_expire_at {int};
