CREATE TABLE account (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    account_id TEXT NOT NULL,
    console_password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    user_name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    mobile_phone TEXT NOT NULL,
    email TEXT NOT NULL,
    comments TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_login_at INTEGER
);

CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    user_id TEXT REFERENCES users(user_id),
    secret_sealed BLOB NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX access_keys_user ON access_keys(user_id);

CREATE TABLE groups (
    group_id TEXT PRIMARY KEY,
    group_name TEXT NOT NULL UNIQUE,
    comments TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups(group_id),
    user_id TEXT NOT NULL REFERENCES users(user_id),
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);

CREATE TABLE login_profiles (
    user_id TEXT PRIMARY KEY REFERENCES users(user_id),
    password_hash TEXT NOT NULL,
    password_reset_required INTEGER NOT NULL,
    mfa_bind_required INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
