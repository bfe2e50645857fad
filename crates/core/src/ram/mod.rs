//! RAM (2015-05-01): users, AccessKeys, groups, login profiles.

mod groups;
mod keys;
mod login;
pub mod mfa;
pub mod policies;
pub mod roles;
pub mod settings;
pub mod system;
pub mod tags;
mod users;
pub mod validate;
mod views;

pub use groups::{CreateGroup, UpdateGroup};
pub use login::{not_a_user, LoginProfileInput};
pub use policies::{AttachedPolicyView, PolicyEntities, PolicyVersionView, PolicyView};
pub use roles::{CreateRole, RoleView, UpdateRole};
pub use users::{CreateUser, UpdateUser};
pub use views::*;

use rampart_store::{Entity, StoreError};

use crate::ApiError;

/// Maps a store outcome to RAM's wire error.
pub(crate) fn store_err(e: StoreError) -> ApiError {
    use Entity::*;
    match e {
        StoreError::NulInText => ApiError::nul_in_text(),
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
        StoreError::NotFound(Policy) => ApiError::new(404, "EntityNotExist.Policy", "The policy does not exist."),
        StoreError::NotFound(PolicyVersion) | StoreError::NotFound(DefaultPolicyVersion) => {
            ApiError::new(404, "EntityNotExist.Policy.Version", "The policy version does not exist.")
        }
        StoreError::NotFound(Role) => ApiError::new(404, "EntityNotExist.Role", "The role does not exist."),
        StoreError::Conflict(Policy) => ApiError::new(409, "EntityAlreadyExists.Policy", "The policy does already EXIST."),
        StoreError::Conflict(Role) => ApiError::new(409, "EntityAlreadyExists.Role", "The role does already EXIST."),
        StoreError::DeleteConflict(DefaultPolicyVersion) => ApiError::new(
            409,
            "DeleteConflict.Policy.Version.Default",
            "The default version of a policy cannot be deleted; make another version the default first.",
        ),
        StoreError::DeleteConflict(Attachment) => ApiError::new(
            409,
            "DeleteConflict.User.Policy",
            "The user still has policies attached; detach them before deleting the user.",
        ),
        StoreError::Limit(Policy) => ApiError::new(409, "LimitExceeded.Policy", "The count of policies beyond the current limits."),
        StoreError::Limit(PolicyVersion) => ApiError::new(
            409,
            "LimitExceeded.Policy.Version",
            "The count of versions of the policy beyond the current limits (5); delete a version or use RotateStrategy.",
        ),
        StoreError::Limit(Role) => ApiError::new(409, "LimitExceeded.Role", "The count of roles beyond the current limits."),
        StoreError::NotFound(Attachment | SystemAttachment)
        | StoreError::Conflict(PolicyVersion | DefaultPolicyVersion | Attachment | SystemAttachment) => {
            ApiError::internal(format!("unexpected store outcome {e:?}"))
        }
        StoreError::NotFound(Key | KeyVersion | Alias | Tag | Secret | SecretVersion | Stage | DbAccount)
        | StoreError::Conflict(Key | KeyVersion | Alias | Tag | Secret | SecretVersion | Stage | DbAccount) => {
            ApiError::internal(format!("unexpected store outcome {e:?}"))
        }
        StoreError::DeleteConflictOn(kind) => ApiError::internal(format!("unexpected delete conflict on {kind:?}")),
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
        StoreError::DeleteConflict(MfaDevice) => ApiError::new(
            409,
            "DeleteConflict.User.MFADevice",
            "The user has an MFA device bound; unbind it before deleting the user.",
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
        StoreError::NotFound(MfaDevice) => ApiError::new(
            404,
            "EntityNotExist.User.MFADevice",
            "The user has no MFA device bound.",
        ),
        StoreError::Conflict(MfaDevice) => ApiError::new(
            409,
            "EntityAlreadyExists.User.MFADevice",
            "The user already has an MFA device bound.",
        ),
        StoreError::Limit(MfaDevice) => ApiError::new(
            409,
            "LimitExceeded.VirtualMFADevice",
            "The count of virtual MFA devices beyond the current limits.",
        ),
        StoreError::Limit(Tag) => ApiError::new(
            409,
            "LimitExceeded.Tag",
            "A resource would have more than 20 tags; remove some first.",
        ),
        StoreError::NotFound(Provider) | StoreError::Conflict(Provider) => {
            ApiError::internal("an identity provider's outcome reached RAM's errors")
        }
        StoreError::Limit(other) => ApiError::internal(format!("unexpected limit {other:?}")),
        StoreError::Backend(msg) => ApiError::internal(msg),
    }
}
