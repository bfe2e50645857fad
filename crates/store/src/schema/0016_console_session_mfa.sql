-- When a console session's logon proved an MFA code (NULL: it did not),
-- for `acs:MFAPresent` and `acs:MFAAge`; and the role a session acts as
-- when it was opened by role-based SSO (NULL: a user's or the account's).
ALTER TABLE console_sessions ADD COLUMN mfa_at {int};
ALTER TABLE console_sessions ADD COLUMN role_id {short_id};
ALTER TABLE console_sessions ADD COLUMN role_name {short_id};
ALTER TABLE console_sessions ADD COLUMN session_name {short_id};
