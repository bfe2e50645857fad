-- Account-wide settings, one document each, by name (the password policy,
-- the security preference, the account alias).
CREATE TABLE account_settings (
    name {id} PRIMARY KEY,
    value {text} NOT NULL,
    updated_at {int} NOT NULL
){table};

-- When a login profile's password was last set (for the password
-- policy's MaxPasswordAge), and the hashes of the passwords it had before
-- (for PasswordReusePrevention), newest first, one a line.
ALTER TABLE login_profiles ADD COLUMN password_changed_at {int};
ALTER TABLE login_profiles ADD COLUMN password_history {text};
UPDATE login_profiles SET password_changed_at = updated_at;
