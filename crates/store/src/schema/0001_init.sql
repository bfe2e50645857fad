-- The schema is written once for every dialect. `{id}` is a name or id
-- (byte-wise ordering and comparison everywhere: "C" on PostgreSQL, a
-- binary collation on MySQL), `{text}` free text, `{int}` a 64-bit
-- integer, `{bool}` a boolean, `{blob}` bytes; `{table}` ends a table
-- definition; a line starting with `[dialect,…]` belongs to those only.

CREATE TABLE account (
    singleton {int} PRIMARY KEY CHECK (singleton = 1),
    account_id {text} NOT NULL,
    console_password_hash {text} NOT NULL,
    created_at {int} NOT NULL
){table};

CREATE TABLE users (
    user_id {id} PRIMARY KEY,
    user_name {id} NOT NULL UNIQUE,
    display_name {text} NOT NULL,
    mobile_phone {text} NOT NULL,
    email {text} NOT NULL,
    comments {text} NOT NULL,
    created_at {int} NOT NULL,
    updated_at {int} NOT NULL,
    last_login_at {int}
){table};

CREATE TABLE access_keys (
    access_key_id {id} PRIMARY KEY,
    user_id {id},
    secret_sealed {blob} NOT NULL,
    status {text} NOT NULL,
    created_at {int} NOT NULL,
    last_used_at {int},
    FOREIGN KEY (user_id) REFERENCES users(user_id)
){table};
CREATE INDEX access_keys_user ON access_keys(user_id);

CREATE TABLE "groups" (
    group_id {id} PRIMARY KEY,
    group_name {id} NOT NULL UNIQUE,
    comments {text} NOT NULL,
    created_at {int} NOT NULL,
    updated_at {int} NOT NULL
){table};

CREATE TABLE group_members (
    group_id {id} NOT NULL,
    user_id {id} NOT NULL,
    joined_at {int} NOT NULL,
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (group_id) REFERENCES "groups"(group_id),
    FOREIGN KEY (user_id) REFERENCES users(user_id)
){table};
CREATE INDEX group_members_user ON group_members(user_id);

CREATE TABLE login_profiles (
    user_id {id} PRIMARY KEY,
    password_hash {text} NOT NULL,
    password_reset_required {bool} NOT NULL,
    mfa_bind_required {bool} NOT NULL,
    created_at {int} NOT NULL,
    updated_at {int} NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(user_id)
){table};

-- The request replay window of replicas sharing the database (the
-- embedded store keeps it in memory). A row whose `expires_at` is before
-- the caller's `now` counts as free.
[postgres,mysql] CREATE TABLE nonces (
[postgres,mysql]     access_key_id {id} NOT NULL,
[postgres,mysql]     nonce {id} NOT NULL,
[postgres,mysql]     expires_at {int} NOT NULL,
[postgres,mysql]     PRIMARY KEY (access_key_id, nonce)
[postgres,mysql] ){table};
[postgres,mysql] CREATE INDEX nonces_expires ON nonces(expires_at);

-- Locks held until a transaction ends, taken by writing their row: on a
-- Galera cluster two nodes writing the same row conflict at certification.
[mysql] CREATE TABLE locks (
[mysql]     name {id} PRIMARY KEY,
[mysql]     n {int} NOT NULL
[mysql] ){table};
