//! What RAM actions return, with the SDK's field names.

use serde::Serialize;

use crate::time::format as ts;
use rampart_store::{GroupRow, LoginProfileRow, UserRow};

/// A user as `GetUser`/`CreateUser`/`ListUsers` show it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserView {
    /// Stable id.
    pub user_id: String,
    /// Name.
    pub user_name: String,
    /// Display name.
    pub display_name: String,
    /// Phone.
    pub mobile_phone: String,
    /// Email.
    pub email: String,
    /// Description.
    pub comments: String,
    /// Created.
    pub create_date: String,
    /// Updated.
    pub update_date: String,
    /// Last console logon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_login_date: Option<String>,
}

impl From<&UserRow> for UserView {
    fn from(u: &UserRow) -> Self {
        Self {
            user_id: u.user_id.clone(),
            user_name: u.user_name.clone(),
            display_name: u.display_name.clone(),
            mobile_phone: u.mobile_phone.clone(),
            email: u.email.clone(),
            comments: u.comments.clone(),
            create_date: ts(u.created_at),
            update_date: ts(u.updated_at),
            last_login_date: u.last_login_at.map(ts),
        }
    }
}

/// A page of a listing: items, and the marker of the next page if any.
#[derive(Debug)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// `Some(marker)` when more items follow.
    pub next_marker: Option<String>,
}

/// A new AccessKey, the only view that carries the secret.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NewAccessKeyView {
    /// Id.
    pub access_key_id: String,
    /// Secret, shown this once.
    pub access_key_secret: String,
    /// `Active`.
    pub status: String,
    /// Created.
    pub create_date: String,
}

impl std::fmt::Debug for NewAccessKeyView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccessKeyView")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"[REDACTED]")
            .finish()
    }
}

/// An AccessKey in listings (no secret).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKeyView {
    /// Id.
    pub access_key_id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// Created.
    pub create_date: String,
}

/// A group.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupView {
    /// Stable id.
    pub group_id: String,
    /// Name.
    pub group_name: String,
    /// Description.
    pub comments: String,
    /// Display name (IMS only: RAM's group has none).
    #[serde(skip)]
    pub display_name: String,
    /// Created.
    pub create_date: String,
    /// Updated.
    pub update_date: String,
}

impl From<&GroupRow> for GroupView {
    fn from(g: &GroupRow) -> Self {
        Self {
            group_id: g.group_id.clone(),
            group_name: g.group_name.clone(),
            comments: g.comments.clone(),
            display_name: g.display_name.clone(),
            create_date: ts(g.created_at),
            update_date: ts(g.updated_at),
        }
    }
}

/// A group in `ListGroupsForUser`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserGroupView {
    /// Id.
    pub group_id: String,
    /// Name.
    pub group_name: String,
    /// Description.
    pub comments: String,
    /// Display name (IMS only).
    #[serde(skip)]
    pub display_name: String,
    /// When the user joined.
    pub join_date: String,
}

/// A user in `ListUsersForGroup`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupUserView {
    /// Id.
    pub user_id: String,
    /// Name.
    pub user_name: String,
    /// Display name.
    pub display_name: String,
    /// When the user joined.
    pub join_date: String,
}

/// A login profile (never the password).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoginProfileView {
    /// The user.
    pub user_name: String,
    /// Must change the password at next logon.
    pub password_reset_required: bool,
    /// Must bind MFA at next logon.
    #[serde(rename = "MFABindRequired")]
    pub mfa_bind_required: bool,
    /// Created.
    pub create_date: String,
    /// Updated.
    pub update_date: String,
}

impl LoginProfileView {
    pub(crate) fn new(user_name: &str, p: &LoginProfileRow) -> Self {
        Self {
            user_name: user_name.to_string(),
            password_reset_required: p.password_reset_required,
            mfa_bind_required: p.mfa_bind_required,
            create_date: ts(p.created_at),
            update_date: ts(p.updated_at),
        }
    }
}
