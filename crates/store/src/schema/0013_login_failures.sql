-- Failed console logons of RAM users within the password policy's hour
-- (`MaxLoginAttemps`), shared by every replica: one row per user id.
CREATE TABLE login_failures (
    user_id {short_id} PRIMARY KEY,
    failures {int} NOT NULL,
    window_start {int} NOT NULL
){table};
