CREATE TABLE policies (
    policy_name TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    default_version INTEGER NOT NULL,
    next_version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE policy_versions (
    policy_name TEXT NOT NULL REFERENCES policies(policy_name),
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (policy_name, version)
);

CREATE TABLE roles (
    role_id TEXT PRIMARY KEY,
    role_name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    description TEXT NOT NULL,
    trust_policy TEXT NOT NULL,
    max_session_duration INTEGER NOT NULL,
    service_linked INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- principal_kind: 'User' | 'Group' | 'Role'; principal_id: user_id, group_id or role_id.
CREATE TABLE attachments (
    principal_kind TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    policy_type TEXT NOT NULL,
    policy_name TEXT NOT NULL,
    attached_at INTEGER NOT NULL,
    PRIMARY KEY (principal_kind, principal_id, policy_type, policy_name)
);
CREATE INDEX attachments_policy ON attachments(policy_type, policy_name);
