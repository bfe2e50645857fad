//! AccessKey pairs of RAM users and of the account.

use rampart_store::KeyStatus;

use super::{store_err, AccessKeyView, NewAccessKeyView, UserName};
use crate::account::new_key_row;
use crate::time::format as ts;
use crate::{ApiError, Rampart};

impl Rampart {
    /// Creates an AccessKey for a user; the secret is returned only here.
    pub fn create_access_key(&self, user_name: &UserName) -> Result<NewAccessKeyView, ApiError> {
        let (row, secret) = new_key_row(&self.keyring, Some(user_name.to_string()), self.now());
        self.store
            .create_access_key(user_name, &row, self.settings.limits.access_keys_per_user)
            .map_err(store_err)?;
        Ok(NewAccessKeyView {
            access_key_id: row.access_key_id,
            access_key_secret: secret.expose().to_string(),
            status: "Active".into(),
            create_date: ts(row.created_at),
        })
    }

    /// Lists a user's AccessKeys (without secrets).
    pub fn list_access_keys(&self, user_name: &UserName) -> Result<Vec<AccessKeyView>, ApiError> {
        Ok(self
            .store
            .list_access_keys(user_name)
            .map_err(store_err)?
            .into_iter()
            .map(|k| AccessKeyView {
                access_key_id: k.access_key_id,
                status: k.status.as_str().into(),
                create_date: ts(k.created_at),
            })
            .collect())
    }

    /// Activates or deactivates a user's AccessKey.
    pub fn update_access_key(
        &self,
        user_name: &UserName,
        access_key_id: &str,
        status: &str,
    ) -> Result<(), ApiError> {
        let status = KeyStatus::parse(status).ok_or_else(|| {
            ApiError::invalid(
                "Status",
                format!(
                    "The parameter - \"Status\" must be `Active` or `Inactive`, got `{status}`."
                ),
            )
        })?;
        self.store
            .set_access_key_status(user_name, access_key_id, status, self.now())
            .map_err(store_err)
    }

    /// Deletes a user's AccessKey; it stops working at once.
    pub fn delete_access_key(
        &self,
        user_name: &UserName,
        access_key_id: &str,
    ) -> Result<(), ApiError> {
        self.store
            .delete_access_key(user_name, access_key_id)
            .map_err(store_err)
    }

    /// When a user's AccessKey was last used (`None`: never).
    pub fn access_key_last_used(
        &self,
        user_name: &UserName,
        access_key_id: &str,
    ) -> Result<Option<String>, ApiError> {
        let keys = self.store.list_access_keys(user_name).map_err(store_err)?;
        let key = keys
            .into_iter()
            .find(|k| k.access_key_id == access_key_id)
            .ok_or_else(|| {
                store_err(rampart_store::StoreError::NotFound(
                    rampart_store::Entity::AccessKey,
                ))
            })?;
        Ok(key.last_used_at.map(ts))
    }
}
