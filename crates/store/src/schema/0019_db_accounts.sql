-- The database accounts each Rds, PolarDB or Redis secret manages (its
-- accounts, and the clone its rotations create), reserved with the secret
-- in its transaction, so that no two secrets ever manage one account; a
-- secret's rows go when it is deleted.
CREATE TABLE db_accounts (
    instance_id {short_id} NOT NULL,
    account {short_id} NOT NULL,
    secret_name {id} NOT NULL,
    PRIMARY KEY (instance_id, account)
){table};
CREATE INDEX db_accounts_secret ON db_accounts(secret_name);
