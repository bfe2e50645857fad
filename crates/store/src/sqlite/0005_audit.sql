CREATE TABLE audit_events (
    event_id TEXT PRIMARY KEY,
    event_time INTEGER NOT NULL,
    event_name TEXT NOT NULL,
    service_name TEXT NOT NULL,
    event_source TEXT NOT NULL,
    identity_type TEXT NOT NULL,
    principal_arn TEXT NOT NULL,
    user_name TEXT NOT NULL,
    access_key_id TEXT NOT NULL,
    source_ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    event_rw TEXT NOT NULL,
    error_code TEXT NOT NULL,
    error_message TEXT NOT NULL,
    request_id TEXT NOT NULL
);
CREATE INDEX audit_events_time ON audit_events(event_time, event_id);
