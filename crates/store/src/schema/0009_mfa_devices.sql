-- Virtual MFA devices: the TOTP seed sealed under the keyring, the user a
-- device is bound to (at most one device per user), and the last time
-- step a code was accepted for (a code is good once).
CREATE TABLE mfa_devices (
    serial_number {id} PRIMARY KEY,
    seed_sealed {blob} NOT NULL,
    user_id {id},
    created_at {int} NOT NULL,
    activated_at {int},
    last_step {int} NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(user_id)
){table};
CREATE UNIQUE INDEX mfa_devices_user ON mfa_devices(user_id);
