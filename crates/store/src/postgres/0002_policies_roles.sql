CREATE TABLE policies (
    policy_name TEXT COLLATE "C" PRIMARY KEY,
    description TEXT NOT NULL,
    default_version BIGINT NOT NULL,
    next_version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE policy_versions (
    policy_name TEXT COLLATE "C" NOT NULL REFERENCES policies(policy_name),
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (policy_name, version)
);

-- Role names keep their case but are unique and looked up
-- case-insensitively (ASCII only under "C", like SQLite's NOCASE).
CREATE TABLE roles (
    role_id TEXT COLLATE "C" PRIMARY KEY,
    role_name TEXT COLLATE "C" NOT NULL,
    description TEXT NOT NULL,
    trust_policy TEXT NOT NULL,
    max_session_duration BIGINT NOT NULL,
    service_linked BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX roles_name_lower ON roles (lower(role_name));

-- principal_kind: 'User' | 'Group' | 'Role'; principal_id: user_id, group_id or role_id.
CREATE TABLE attachments (
    principal_kind TEXT COLLATE "C" NOT NULL,
    principal_id TEXT COLLATE "C" NOT NULL,
    policy_type TEXT COLLATE "C" NOT NULL,
    policy_name TEXT COLLATE "C" NOT NULL,
    attached_at BIGINT NOT NULL,
    PRIMARY KEY (principal_kind, principal_id, policy_type, policy_name)
);
CREATE INDEX attachments_policy ON attachments(policy_type, policy_name);
