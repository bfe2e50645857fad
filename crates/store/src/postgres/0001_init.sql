-- Names and ids use the "C" collation so that ordering and `>` paging are
-- byte-wise, as on SQLite, whatever the database's default collation.

CREATE TABLE account (
    singleton SMALLINT PRIMARY KEY CHECK (singleton = 1),
    account_id TEXT NOT NULL,
    console_password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    user_id TEXT COLLATE "C" PRIMARY KEY,
    user_name TEXT COLLATE "C" NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    mobile_phone TEXT NOT NULL,
    email TEXT NOT NULL,
    comments TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_login_at BIGINT
);

CREATE TABLE access_keys (
    access_key_id TEXT COLLATE "C" PRIMARY KEY,
    user_id TEXT COLLATE "C" REFERENCES users(user_id),
    secret_sealed BYTEA NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX access_keys_user ON access_keys(user_id);

CREATE TABLE groups (
    group_id TEXT COLLATE "C" PRIMARY KEY,
    group_name TEXT COLLATE "C" NOT NULL UNIQUE,
    comments TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE group_members (
    group_id TEXT COLLATE "C" NOT NULL REFERENCES groups(group_id),
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(user_id),
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);

CREATE TABLE login_profiles (
    user_id TEXT COLLATE "C" PRIMARY KEY REFERENCES users(user_id),
    password_hash TEXT NOT NULL,
    password_reset_required BOOLEAN NOT NULL,
    mfa_bind_required BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The request replay window, shared by every replica. A row whose
-- `expires_at` is not after the caller's `now` counts as free.
CREATE TABLE nonces (
    access_key_id TEXT COLLATE "C" NOT NULL,
    nonce TEXT COLLATE "C" NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (access_key_id, nonce)
);
CREATE INDEX nonces_expires ON nonces(expires_at);
