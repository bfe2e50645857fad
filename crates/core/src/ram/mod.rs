//! RAM (2015-05-01): users, AccessKeys, groups, login profiles.

mod groups;
mod keys;
mod login;
mod users;
pub mod validate;
mod views;

pub use groups::{CreateGroup, UpdateGroup};
pub use login::LoginProfileInput;
pub use users::{CreateUser, UpdateUser};
pub use views::*;

use rampart_store::{Entity, StoreError};

use crate::ApiError;

/// Maps a store outcome to RAM's wire error.
pub(crate) fn store_err(e: StoreError) -> ApiError {
    use Entity::*;
    match e {
        StoreError::NotFound(User) => {
            ApiError::new(404, "EntityNotExist.User", "The user does not exist.")
        }
        StoreError::NotFound(AccessKey) => ApiError::new(
            404,
            "EntityNotExist.User.AccessKey",
            "The user access key does not exist.",
        ),
        StoreError::NotFound(Group) => {
            ApiError::new(404, "EntityNotExist.Group", "The group does not exist.")
        }
        StoreError::NotFound(Membership) => ApiError::new(
            404,
            "EntityNotExist.User.Group",
            "The user is not a member of the group.",
        ),
        StoreError::NotFound(LoginProfile) => ApiError::new(
            404,
            "EntityNotExist.User.LoginProfile",
            "The login profile of the user does not exist.",
        ),
        StoreError::NotFound(Account) => ApiError::internal("account missing"),
        StoreError::Conflict(User) => ApiError::new(
            409,
            "EntityAlreadyExists.User",
            "The user does already EXIST.",
        ),
        StoreError::Conflict(Group) => ApiError::new(
            409,
            "EntityAlreadyExists.Group",
            "The group does already EXIST.",
        ),
        StoreError::Conflict(Membership) => ApiError::new(
            409,
            "EntityAlreadyExists.User.Group",
            "The user has already been added to the group.",
        ),
        StoreError::Conflict(LoginProfile) => ApiError::new(
            409,
            "EntityAlreadyExists.User.LoginProfile",
            "The login profile of the user does already EXIST.",
        ),
        StoreError::Conflict(AccessKey) | StoreError::Conflict(Account) => {
            ApiError::internal("id collision")
        }
        StoreError::DeleteConflict(AccessKey) => ApiError::new(
            409,
            "DeleteConflict.User.AccessKey",
            "The user has AccessKeys; delete them before deleting the user.",
        ),
        StoreError::DeleteConflict(Group) => ApiError::new(
            409,
            "DeleteConflict.User.Group",
            "The user still belongs to groups; remove it from them before deleting the user.",
        ),
        StoreError::DeleteConflict(LoginProfile) => ApiError::new(
            409,
            "DeleteConflict.User.LoginProfile",
            "The user has a login profile; delete it before deleting the user.",
        ),
        StoreError::DeleteConflict(User) => ApiError::new(
            409,
            "DeleteConflict.Group.User",
            "The group still has members; remove them before deleting the group.",
        ),
        StoreError::DeleteConflict(other) => {
            ApiError::internal(format!("unexpected delete conflict {other:?}"))
        }
        StoreError::Limit(User) => ApiError::new(
            409,
            "LimitExceeded.User",
            "The count of users beyond the current limits.",
        ),
        StoreError::Limit(AccessKey) => ApiError::new(
            409,
            "LimitExceeded.User.AccessKey",
            "The access key count of the user access keys beyond the current limits.",
        ),
        StoreError::Limit(Group) => ApiError::new(
            409,
            "LimitExceeded.Group",
            "The count of groups beyond the current limits.",
        ),
        StoreError::Limit(Membership) => ApiError::new(
            409,
            "LimitExceeded.User.Group",
            "The count of groups that the user joined beyond the current limits.",
        ),
        StoreError::Limit(other) => ApiError::internal(format!("unexpected limit {other:?}")),
        StoreError::Backend(msg) => ApiError::internal(msg),
    }
}
