-- A group's display name (IMS; RAM has none): absent is empty.
ALTER TABLE groups ADD COLUMN display_name {text};
