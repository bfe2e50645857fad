//! RAM groups and their members.

use rampart_crypto::random_alnum;
use rampart_store::GroupRow;

use super::users::paginate;
use super::validate as v;
use super::{store_err, GroupUserView, GroupView, Page, UserGroupView, UserName};
use crate::time::format as ts;
use crate::{ApiError, Rampart};

/// A RAM group's name, checked: 1 to 64 letters, digits or `-`. The
/// gateway makes one where it resolves the group a request names (from the
/// group as stored) and hands it down; the methods that act on an existing
/// group take it and check it no more.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupName(String);

impl GroupName {
    /// Checks `name` for the `GroupName` parameter.
    pub fn parse(name: &str) -> Result<Self, ApiError> {
        v::group_name("GroupName", name)?;
        Ok(Self(name.to_string()))
    }

    /// The name of a group as read from the store (checked when the group
    /// was created or renamed).
    pub fn of(row: &GroupRow) -> Self {
        Self(row.group_name.clone())
    }
}

text_newtype!(GroupName);

/// `CreateGroup` input.
#[derive(Debug, Default)]
pub struct CreateGroup {
    /// Required name.
    pub group_name: String,
    /// Optional description.
    pub comments: Option<String>,
    /// Optional display name (IMS).
    pub display_name: Option<String>,
}

/// `UpdateGroup` input.
#[derive(Debug)]
pub struct UpdateGroup {
    /// The group to change.
    pub group_name: GroupName,
    /// New name.
    pub new_group_name: Option<String>,
    /// New description.
    pub new_comments: Option<String>,
    /// New display name (IMS).
    pub new_display_name: Option<String>,
}

/// The longest display name of a group (IMS), in characters.
const MAX_GROUP_DISPLAY_NAME: usize = 24;

fn group_display_name(param: &str, d: &str) -> Result<(), ApiError> {
    if d.chars().count() > MAX_GROUP_DISPLAY_NAME || d.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            param,
            format!("The parameter \"{param}\" must be at most {MAX_GROUP_DISPLAY_NAME} characters, without control characters."),
        ));
    }
    Ok(())
}

impl Rampart {
    /// Creates a group.
    pub fn create_group(&self, req: CreateGroup) -> Result<GroupView, ApiError> {
        v::group_name("GroupName", &req.group_name)?;
        let comments = req.comments.unwrap_or_default();
        v::comments("Comments", &comments)?;
        let display_name = req.display_name.unwrap_or_default();
        group_display_name("DisplayName", &display_name)?;
        let now = self.now();
        let row = GroupRow {
            group_id: format!("g-{}", random_alnum(16)),
            group_name: req.group_name,
            comments,
            display_name,
            created_at: now,
            updated_at: now,
        };
        self.store
            .create_group(&row, self.settings.limits.groups)
            .map_err(store_err)?;
        Ok(GroupView::from(&row))
    }

    fn group_row(&self, group_name: &GroupName) -> Result<GroupRow, ApiError> {
        self.store
            .get_group(group_name)
            .map_err(store_err)?
            .ok_or_else(|| {
                store_err(rampart_store::StoreError::NotFound(
                    rampart_store::Entity::Group,
                ))
            })
    }

    /// Reads a group.
    pub fn get_group(&self, group_name: &GroupName) -> Result<GroupView, ApiError> {
        Ok(GroupView::from(&self.group_row(group_name)?))
    }

    /// Renames or re-describes a group.
    pub fn update_group(&self, req: UpdateGroup) -> Result<GroupView, ApiError> {
        let mut row = self.group_row(&req.group_name)?;
        if let Some(n) = req.new_group_name {
            v::group_name("NewGroupName", &n)?;
            row.group_name = n;
        }
        if let Some(c) = req.new_comments {
            v::comments("NewComments", &c)?;
            row.comments = c;
        }
        if let Some(d) = req.new_display_name {
            group_display_name("NewDisplayName", &d)?;
            row.display_name = d;
        }
        row.updated_at = self.now();
        self.store.update_group(&row).map_err(store_err)?;
        Ok(GroupView::from(&row))
    }

    /// Deletes an empty group.
    pub fn delete_group(&self, group_name: &GroupName) -> Result<(), ApiError> {
        self.store.delete_group(group_name).map_err(|e| match e {
            rampart_store::StoreError::DeleteConflict(rampart_store::Entity::Attachment) => {
                ApiError::of(
                    crate::codes::DELETE_CONFLICT_GROUP_POLICY,
                    "The group still has policies attached; detach them before deleting the group.",
                )
            }
            other => store_err(other),
        })
    }

    /// Lists groups by name.
    pub fn list_groups(
        &self,
        marker: Option<&str>,
        max_items: Option<u32>,
    ) -> Result<Page<GroupView>, ApiError> {
        let limit = v::max_items(max_items)?;
        let mut rows = self
            .store
            .list_groups(marker.filter(|m| !m.is_empty()), limit + 1)
            .map_err(store_err)?;
        let next_marker = paginate(&mut rows, limit, |g| g.group_name.clone());
        Ok(Page {
            items: rows.iter().map(GroupView::from).collect(),
            next_marker,
        })
    }

    /// Adds a user to a group.
    pub fn add_user_to_group(
        &self,
        user_name: &UserName,
        group_name: &GroupName,
    ) -> Result<(), ApiError> {
        self.store
            .add_user_to_group(
                user_name,
                group_name,
                self.now(),
                self.settings.limits.groups_per_user,
            )
            .map_err(store_err)
    }

    /// Removes a user from a group.
    pub fn remove_user_from_group(
        &self,
        user_name: &UserName,
        group_name: &GroupName,
    ) -> Result<(), ApiError> {
        self.store
            .remove_user_from_group(user_name, group_name)
            .map_err(store_err)
    }

    /// The groups a user belongs to.
    pub fn list_groups_for_user(
        &self,
        user_name: &UserName,
    ) -> Result<Vec<UserGroupView>, ApiError> {
        Ok(self
            .store
            .list_groups_for_user(user_name)
            .map_err(store_err)?
            .into_iter()
            .map(|(g, joined)| UserGroupView {
                group_id: g.group_id,
                group_name: g.group_name,
                comments: g.comments,
                display_name: g.display_name,
                join_date: ts(joined),
            })
            .collect())
    }

    /// The members of a group.
    pub fn list_users_for_group(
        &self,
        group_name: &GroupName,
        marker: Option<&str>,
        max_items: Option<u32>,
    ) -> Result<Page<GroupUserView>, ApiError> {
        let limit = v::max_items(max_items)?;
        let mut rows = self
            .store
            .list_users_for_group(group_name, marker.filter(|m| !m.is_empty()), limit + 1)
            .map_err(store_err)?;
        let next_marker = paginate(&mut rows, limit, |(u, _)| u.user_name.clone());
        Ok(Page {
            items: rows
                .into_iter()
                .map(|(u, joined)| GroupUserView {
                    user_id: u.user_id,
                    user_name: u.user_name,
                    display_name: u.display_name,
                    join_date: ts(joined),
                })
                .collect(),
            next_marker,
        })
    }
}
