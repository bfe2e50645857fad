use rampart_crypto::{hash_password, SecretString};
use rampart_store::{Entity, LoginProfileRow, StoreError};

use super::validate as v;
use super::{store_err, LoginProfileView};
use crate::{ApiError, Rampart};

/// `CreateLoginProfile` / `UpdateLoginProfile` input.
#[derive(Debug, Default)]
pub struct LoginProfileInput {
    /// The user.
    pub user_name: String,
    /// The console password (required to create).
    pub password: Option<SecretString>,
    /// Must change the password at next logon.
    pub password_reset_required: Option<bool>,
    /// Must bind MFA at next logon.
    pub mfa_bind_required: Option<bool>,
}

fn hash(p: &SecretString) -> Result<String, ApiError> {
    v::password(p.expose())?;
    hash_password(p.expose()).map_err(ApiError::internal)
}

impl Rampart {
    /// Gives a user a console password.
    pub fn create_login_profile(
        &self,
        req: LoginProfileInput,
    ) -> Result<LoginProfileView, ApiError> {
        v::user_name("UserName", &req.user_name)?;
        let password = req
            .password
            .as_ref()
            .ok_or_else(|| ApiError::missing("Password"))?;
        let now = self.now();
        let row = LoginProfileRow {
            password_hash: hash(password)?,
            password_reset_required: req.password_reset_required.unwrap_or(false),
            mfa_bind_required: req.mfa_bind_required.unwrap_or(false),
            created_at: now,
            updated_at: now,
        };
        self.store
            .create_login_profile(&req.user_name, &row)
            .map_err(store_err)?;
        Ok(LoginProfileView::new(&req.user_name, &row))
    }

    fn login_row(&self, user_name: &str) -> Result<LoginProfileRow, ApiError> {
        v::user_name("UserName", user_name)?;
        self.store
            .get_login_profile(user_name)
            .map_err(store_err)?
            .ok_or_else(|| store_err(StoreError::NotFound(Entity::LoginProfile)))
    }

    /// Reads a user's login profile (never the password).
    pub fn get_login_profile(&self, user_name: &str) -> Result<LoginProfileView, ApiError> {
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
        if let Some(p) = &req.password {
            row.password_hash = hash(p)?;
        }
        if let Some(b) = req.password_reset_required {
            row.password_reset_required = b;
        }
        if let Some(b) = req.mfa_bind_required {
            row.mfa_bind_required = b;
        }
        row.updated_at = self.now();
        self.store
            .update_login_profile(&req.user_name, &row)
            .map_err(store_err)?;
        Ok(LoginProfileView::new(&req.user_name, &row))
    }

    /// Removes a user's console access.
    pub fn delete_login_profile(&self, user_name: &str) -> Result<(), ApiError> {
        v::user_name("UserName", user_name)?;
        self.store
            .delete_login_profile(user_name)
            .map_err(store_err)
    }
}
