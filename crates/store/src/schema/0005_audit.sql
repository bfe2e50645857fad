CREATE TABLE audit_events (
    event_id {id} PRIMARY KEY,
    event_time {int} NOT NULL,
    event_name {text} NOT NULL,
    service_name {text} NOT NULL,
    event_source {text} NOT NULL,
    identity_type {text} NOT NULL,
    principal_arn {text} NOT NULL,
    user_name {text} NOT NULL,
    access_key_id {text} NOT NULL,
    source_ip {text} NOT NULL,
    user_agent {text} NOT NULL,
    resource_name {text} NOT NULL,
    event_rw {text} NOT NULL,
    error_code {text} NOT NULL,
    error_message {text} NOT NULL,
    request_id {text} NOT NULL
){table};
CREATE INDEX audit_events_time ON audit_events(event_time, event_id);
