-- When a console session's logon proved an MFA code (NULL: it did not),
-- for `acs:MFAPresent` and `acs:MFAAge`.
ALTER TABLE console_sessions ADD COLUMN mfa_at {int};
