//! Console logon profiles: passwords, their policy and history.

use rampart_crypto::{hash_password, verify_password, SecretString};
use rampart_store::{Entity, LoginProfileRow, StoreError};

use super::settings::{PasswordPolicy, MAX_REUSE_PREVENTION};
use super::{store_err, LoginProfileView, UserName};
use crate::{ApiError, Rampart};

/// `CreateLoginProfile` / `UpdateLoginProfile` input.
#[derive(Debug)]
pub struct LoginProfileInput {
    /// The user.
    pub user_name: UserName,
    /// The console password (required to create).
    pub password: Option<SecretString>,
    /// Must change the password at next logon.
    pub password_reset_required: Option<bool>,
    /// Must bind MFA at next logon.
    pub mfa_bind_required: Option<bool>,
}

impl Rampart {
    /// The Argon2 hash of a new password the policy accepts (hashed on the
    /// pool for costly work).
    fn hash(&self, policy: &PasswordPolicy, p: &SecretString) -> Result<String, ApiError> {
        policy.check(p.expose())?;
        let p = p.clone();
        self.costly(move || hash_password(p.expose()))?
            .map_err(ApiError::internal)
    }

    /// Whether `password` is the current one or one of the latest the
    /// policy forbids reusing.
    fn reused(
        &self,
        policy: &PasswordPolicy,
        row: &LoginProfileRow,
        password: &SecretString,
    ) -> Result<bool, ApiError> {
        let n = policy.password_reuse_prevention as usize;
        if n == 0 {
            return Ok(false);
        }
        let hashes: Vec<String> = std::iter::once(&row.password_hash)
            .chain(row.previous_hashes.iter().take(n - 1))
            .cloned()
            .collect();
        let password = password.clone();
        self.costly(move || {
            hashes
                .iter()
                .any(|h| verify_password(password.expose(), h).unwrap_or(false))
        })
    }
}

fn reuse_refused(n: u32) -> ApiError {
    ApiError::of(crate::codes::INVALID_PARAMETER_PASSWORD,
        format!(
            "The password does not meet the password policy: it cannot be one of the last {n} passwords."
        ),
    )
}

/// `row` with a new password: the old one goes to its history.
fn with_password(mut row: LoginProfileRow, new_hash: String, now: i64) -> LoginProfileRow {
    let old = std::mem::replace(&mut row.password_hash, new_hash);
    row.previous_hashes.insert(0, old);
    row.previous_hashes.truncate(MAX_REUSE_PREVENTION as usize);
    row.password_changed_at = now;
    row.updated_at = now;
    row
}

impl Rampart {
    /// Gives a user a console password.
    pub fn create_login_profile(
        &self,
        req: LoginProfileInput,
    ) -> Result<LoginProfileView, ApiError> {
        let password = req
            .password
            .as_ref()
            .ok_or_else(|| ApiError::missing("Password"))?;
        let now = self.now();
        let row = LoginProfileRow {
            password_hash: self.hash(&self.password_policy()?, password)?,
            password_reset_required: req.password_reset_required.unwrap_or(false),
            mfa_bind_required: req.mfa_bind_required.unwrap_or(false),
            created_at: now,
            updated_at: now,
            password_changed_at: now,
            previous_hashes: Vec::new(),
        };
        self.store
            .create_login_profile(&req.user_name, &row)
            .map_err(store_err)?;
        Ok(LoginProfileView::new(&req.user_name, &row))
    }

    fn login_row(&self, user_name: &UserName) -> Result<LoginProfileRow, ApiError> {
        self.store
            .get_login_profile(user_name)
            .map_err(store_err)?
            .ok_or_else(|| store_err(StoreError::NotFound(Entity::LoginProfile)))
    }

    /// Reads a user's login profile (never the password).
    pub fn get_login_profile(&self, user_name: &UserName) -> Result<LoginProfileView, ApiError> {
        Ok(LoginProfileView::new(
            user_name,
            &self.login_row(user_name)?,
        ))
    }

    /// Changes a user's password or logon requirements.
    pub fn update_login_profile(
        &self,
        req: LoginProfileInput,
    ) -> Result<LoginProfileView, ApiError> {
        let mut row = self.login_row(&req.user_name)?;
        let now = self.now();
        if let Some(p) = &req.password {
            let policy = self.password_policy()?;
            let new_hash = self.hash(&policy, p)?;
            if self.reused(&policy, &row, p)? {
                return Err(reuse_refused(policy.password_reuse_prevention));
            }
            row = with_password(row, new_hash, now);
        }
        if let Some(b) = req.password_reset_required {
            row.password_reset_required = b;
        }
        if let Some(b) = req.mfa_bind_required {
            row.mfa_bind_required = b;
        }
        row.updated_at = now;
        self.store
            .update_login_profile(&req.user_name, &row)
            .map_err(store_err)?;
        if req.password.is_some() {
            self.forget_login_failures(&row_user_id(self, &req.user_name));
        }
        Ok(LoginProfileView::new(&req.user_name, &row))
    }

    /// `ChangePassword`: the calling RAM user changes its own console
    /// password, giving the old one. The user must change it no more. The
    /// old password is checked as a console logon checks it (from
    /// `source`): a wrong one counts as a failed logon, and a user locked
    /// out of the console is refused here too.
    pub fn change_password(
        &self,
        user_name: &UserName,
        old: &SecretString,
        new: &SecretString,
        source: Option<&str>,
    ) -> Result<(), ApiError> {
        let row = self.login_row(user_name)?;
        let user_id = row_user_id(self, user_name);
        if !self.check_user_password(&user_id, &row.password_hash, old.expose(), source)? {
            return Err(ApiError::of(
                crate::codes::INVALID_PARAMETER_OLD_PASSWORD,
                "The parameter \"OldPassword\" is not the current password.",
            ));
        }
        let policy = self.password_policy()?;
        let new_hash = self.hash(&policy, new)?;
        if self.reused(&policy, &row, new)? {
            return Err(reuse_refused(policy.password_reuse_prevention));
        }
        let mut row = with_password(row, new_hash, self.now());
        row.password_reset_required = false;
        self.store
            .update_login_profile(user_name, &row)
            .map_err(store_err)?;
        self.forget_login_failures(&user_id);
        Ok(())
    }

    /// Removes a user's console access.
    pub fn delete_login_profile(&self, user_name: &UserName) -> Result<(), ApiError> {
        self.store
            .delete_login_profile(user_name)
            .map_err(store_err)
    }
}

/// `ChangePassword` by anyone but a RAM user.
pub fn not_a_user() -> ApiError {
    ApiError::of(
        crate::codes::FORBIDDEN_NOT_RAM_USER,
        "Only a RAM user can change its own password; the account and role sessions have none.",
    )
}

/// A user's id, for the logon counts (empty if it cannot be read).
fn row_user_id(r: &Rampart, user_name: &str) -> String {
    r.store
        .get_user(user_name)
        .ok()
        .flatten()
        .map(|u| u.user_id)
        .unwrap_or_default()
}
