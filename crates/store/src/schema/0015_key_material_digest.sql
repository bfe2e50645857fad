-- Imported key material: a keyed digest of the material, kept when the
-- material is deleted, so that only the same material can be imported
-- again (NULL: none imported yet).
ALTER TABLE kms_keys ADD COLUMN material_digest {text};
