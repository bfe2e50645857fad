-- Console sessions, shared by every replica: found by the SHA-256 of the
-- cookie's token (the token itself is never stored).
CREATE TABLE console_sessions (
    token_hash {short_id} PRIMARY KEY,
    user_id {short_id} NOT NULL,
    user_name {short_id} NOT NULL,
    fingerprint {short_id} NOT NULL,
    csrf {short_id} NOT NULL,
    must_change_password {bool} NOT NULL,
    created_at {int} NOT NULL,
    expires_at {int} NOT NULL
){table};
CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);
