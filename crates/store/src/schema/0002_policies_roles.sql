CREATE TABLE policies (
    policy_name {id} PRIMARY KEY,
    description {text} NOT NULL,
    default_version {int} NOT NULL,
    next_version {int} NOT NULL,
    created_at {int} NOT NULL,
    updated_at {int} NOT NULL
){table};

CREATE TABLE policy_versions (
    policy_name {id} NOT NULL,
    version {int} NOT NULL,
    document {text} NOT NULL,
    created_at {int} NOT NULL,
    PRIMARY KEY (policy_name, version),
    FOREIGN KEY (policy_name) REFERENCES policies(policy_name)
){table};

-- Role names keep their case but are unique and looked up whatever the
-- case (ASCII): NOCASE on SQLite, lower() on PostgreSQL, a case-blind
-- collation on MySQL.
CREATE TABLE roles (
    role_id {id} PRIMARY KEY,
    role_name {role_name},
    description {text} NOT NULL,
    trust_policy {text} NOT NULL,
    max_session_duration {int} NOT NULL,
    service_linked {bool} NOT NULL,
    created_at {int} NOT NULL,
    updated_at {int} NOT NULL
){table};
[postgres] CREATE UNIQUE INDEX roles_name_lower ON roles (lower(role_name));

-- principal_kind: 'User' | 'Group' | 'Role'; principal_id: user_id, group_id or role_id.
CREATE TABLE attachments (
    principal_kind {short_id} NOT NULL,
    principal_id {short_id} NOT NULL,
    policy_type {short_id} NOT NULL,
    policy_name {short_id} NOT NULL,
    attached_at {int} NOT NULL,
    PRIMARY KEY (principal_kind, principal_id, policy_type, policy_name)
){table};
CREATE INDEX attachments_policy ON attachments(policy_type, policy_name);
