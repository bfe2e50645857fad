//! RAM users: create, read, update, delete, list.

use rampart_crypto::random_digits;
use rampart_store::UserRow;

use super::validate as v;
use super::{store_err, Page, UserView};
use crate::{ApiError, Rampart};

/// A RAM user's name, checked: 1 to 64 letters, digits, `.`, `_` or `-`.
/// The gateway makes one where it resolves the user a request names (from
/// the user as stored) and hands it down; the methods that act on an
/// existing user take it and check it no more.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserName(String);

impl UserName {
    /// Checks `name` for the `UserName` parameter.
    pub fn parse(name: &str) -> Result<Self, ApiError> {
        v::user_name("UserName", name)?;
        Ok(Self(name.to_string()))
    }

    /// The name of a user as read from the store (checked when the user was
    /// created or renamed).
    pub fn of(row: &UserRow) -> Self {
        Self(row.user_name.clone())
    }
}

text_newtype!(UserName);

/// `CreateUser` input.
#[derive(Debug, Default)]
pub struct CreateUser {
    /// Required name.
    pub user_name: String,
    /// Optional display name (defaults to the name).
    pub display_name: Option<String>,
    /// Optional phone.
    pub mobile_phone: Option<String>,
    /// Optional email.
    pub email: Option<String>,
    /// Optional description.
    pub comments: Option<String>,
}

/// `UpdateUser` input: each `Some` replaces the field.
#[derive(Debug)]
pub struct UpdateUser {
    /// The user to change.
    pub user_name: UserName,
    /// New name.
    pub new_user_name: Option<String>,
    /// New display name.
    pub new_display_name: Option<String>,
    /// New phone.
    pub new_mobile_phone: Option<String>,
    /// New email.
    pub new_email: Option<String>,
    /// New description.
    pub new_comments: Option<String>,
}

impl Rampart {
    /// Creates a RAM user.
    pub fn create_user(&self, req: CreateUser) -> Result<UserView, ApiError> {
        self.create_user_tagged(req, &[])
    }

    /// Creates a user with its tags (checked already), all or nothing.
    pub fn create_user_tagged(
        &self,
        req: CreateUser,
        tags: &[(String, String)],
    ) -> Result<UserView, ApiError> {
        v::user_name("UserName", &req.user_name)?;
        let display = req.display_name.unwrap_or_else(|| req.user_name.clone());
        v::display_name("DisplayName", &display)?;
        let phone = req.mobile_phone.unwrap_or_default();
        v::mobile_phone("MobilePhone", &phone)?;
        let email = req.email.unwrap_or_default();
        v::email("Email", &email)?;
        let comments = req.comments.unwrap_or_default();
        v::comments("Comments", &comments)?;
        let now = self.now();
        let row = UserRow {
            user_id: random_digits(16),
            user_name: req.user_name,
            display_name: display,
            mobile_phone: phone,
            email,
            comments,
            created_at: now,
            updated_at: now,
            last_login_at: None,
        };
        self.store
            .create_user_with_tags(
                &row,
                self.settings.limits.users,
                tags,
                super::tags::MAX_TAGS as u64,
            )
            .map_err(store_err)?;
        Ok(UserView::from(&row))
    }

    /// Reads a user by name.
    pub fn get_user(&self, user_name: &UserName) -> Result<UserView, ApiError> {
        Ok(UserView::from(&self.user_row(user_name)?))
    }

    pub(crate) fn user_row(&self, user_name: &UserName) -> Result<UserRow, ApiError> {
        self.store
            .get_user(user_name)
            .map_err(store_err)?
            .ok_or_else(|| {
                store_err(rampart_store::StoreError::NotFound(
                    rampart_store::Entity::User,
                ))
            })
    }

    /// Changes a user's attributes, possibly its name.
    pub fn update_user(&self, req: UpdateUser) -> Result<UserView, ApiError> {
        let mut row = self.user_row(&req.user_name)?;
        if let Some(n) = req.new_user_name {
            v::user_name("NewUserName", &n)?;
            row.user_name = n;
        }
        if let Some(d) = req.new_display_name {
            v::display_name("NewDisplayName", &d)?;
            row.display_name = d;
        }
        if let Some(p) = req.new_mobile_phone {
            v::mobile_phone("NewMobilePhone", &p)?;
            row.mobile_phone = p;
        }
        if let Some(e) = req.new_email {
            v::email("NewEmail", &e)?;
            row.email = e;
        }
        if let Some(c) = req.new_comments {
            v::comments("NewComments", &c)?;
            row.comments = c;
        }
        row.updated_at = self.now();
        self.store.update_user(&row).map_err(store_err)?;
        Ok(UserView::from(&row))
    }

    /// Deletes a user that has no keys, groups or login profile left.
    pub fn delete_user(&self, user_name: &UserName) -> Result<(), ApiError> {
        self.store.delete_user(user_name).map_err(store_err)
    }

    /// Lists users by name, `max_items` at a time after `marker`.
    pub fn list_users(
        &self,
        marker: Option<&str>,
        max_items: Option<u32>,
    ) -> Result<Page<UserView>, ApiError> {
        let limit = v::max_items(max_items)?;
        let mut rows = self
            .store
            .list_users(marker.filter(|m| !m.is_empty()), limit + 1)
            .map_err(store_err)?;
        let next_marker = paginate(&mut rows, limit, |u| u.user_name.clone());
        Ok(Page {
            items: rows.iter().map(UserView::from).collect(),
            next_marker,
        })
    }
}

/// Truncates `rows` (fetched with `limit + 1`) and returns the next marker.
pub(crate) fn paginate<T>(
    rows: &mut Vec<T>,
    limit: u32,
    key: impl Fn(&T) -> String,
) -> Option<String> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(key)
    } else {
        None
    }
}
