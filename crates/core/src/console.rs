//! Console logon: the account (account id + console password) or a RAM user
//! with a login profile (`<user>@<account id>`), with a lockout after
//! repeated failures.

use std::collections::HashMap;
use std::sync::Mutex;

use rampart_crypto::verify_password;

use crate::{ApiError, Principal, Rampart};

/// Failed logons before a name is locked.
pub const MAX_FAILURES: u32 = 5;
/// How long a lockout lasts, seconds.
pub const LOCKOUT_SECS: i64 = 15 * 60;

/// Failed-logon counters, per logon name.
#[derive(Default, Debug)]
pub struct LoginGuard {
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

fn denied() -> ApiError {
    ApiError::new(401, "InvalidLogin", "The logon name or password is wrong.")
}

impl Rampart {
    /// Checks a console logon; returns the principal to act as.
    pub fn console_login(&self, login_name: &str, password: &str) -> Result<Principal, ApiError> {
        let key = login_name.trim().to_ascii_lowercase();
        let now = self.now();
        {
            let map = self
                .login_guard
                .failures
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some((n, until)) = map.get(&key) {
                if *n >= MAX_FAILURES && *until > now {
                    return Err(ApiError::new(
                        429,
                        "InvalidLogin.Locked",
                        format!(
                            "Too many failed logons for `{login_name}`; try again after {}.",
                            crate::time::format(*until)
                        ),
                    ));
                }
            }
        }
        let result = self.check_login(login_name.trim(), password);
        let mut map = self
            .login_guard
            .failures
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match &result {
            Ok(_) => {
                map.remove(&key);
            }
            Err(_) => {
                let entry = map.entry(key).or_insert((0, 0));
                if entry.1 <= now && entry.0 >= MAX_FAILURES {
                    *entry = (0, 0);
                }
                entry.0 += 1;
                entry.1 = now + LOCKOUT_SECS;
            }
        }
        result
    }

    fn check_login(&self, login_name: &str, password: &str) -> Result<Principal, ApiError> {
        if login_name == self.account_id {
            let acct = self
                .store
                .account()
                .map_err(ApiError::internal)?
                .ok_or_else(denied)?;
            return if verify_password(password, &acct.console_password_hash).unwrap_or(false) {
                Ok(Principal::Root {
                    account_id: self.account_id.clone(),
                    access_key_id: String::new(),
                })
            } else {
                Err(denied())
            };
        }
        let (user, domain) = login_name.split_once('@').ok_or_else(denied)?;
        let domain = domain.strip_suffix(".onaliyun.com").unwrap_or(domain);
        if domain != self.account_id {
            return Err(denied());
        }
        let mut row = self
            .store
            .get_user(user)
            .map_err(ApiError::internal)?
            .ok_or_else(denied)?;
        let profile = self
            .store
            .get_login_profile(user)
            .map_err(ApiError::internal)?
            .ok_or_else(denied)?;
        if !verify_password(password, &profile.password_hash).unwrap_or(false) {
            return Err(denied());
        }
        row.last_login_at = Some(self.now());
        if let Err(e) = self.store.update_user(&row) {
            tracing::warn!(error = %e, "could not record the logon time");
        }
        Ok(Principal::User {
            account_id: self.account_id.clone(),
            user_id: row.user_id,
            user_name: row.user_name,
            access_key_id: String::new(),
        })
    }
}
