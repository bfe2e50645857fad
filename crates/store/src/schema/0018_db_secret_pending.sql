-- The version a rotation of a database secret (Rds, PolarDB, Redis) has
-- sealed but not yet made current: written before the database is changed,
-- so an interrupted rotation is finished by the next attempt on any replica.
ALTER TABLE secrets ADD COLUMN pending_version_id {short_id};
[sqlite,postgres] CREATE INDEX secrets_pending_version ON secrets(pending_version_id) WHERE pending_version_id IS NOT NULL;
[mysql] CREATE INDEX secrets_pending_version ON secrets(pending_version_id);
