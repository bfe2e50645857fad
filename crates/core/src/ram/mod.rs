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

pub use groups::{CreateGroup, GroupName, UpdateGroup};
pub use login::{not_a_user, LoginProfileInput};
pub use policies::{
    AttachedPolicyView, PolicyEntities, PolicyGroup, PolicyName, PolicyRole, PolicyUser,
    PolicyVersionView, PolicyView,
};
pub use roles::{CreateRole, RoleName, RoleView, UpdateRole};
pub use users::{CreateUser, UpdateUser, UserName};
pub use views::*;

use rampart_store::{Entity, StoreError};

use crate::ApiError;

/// Maps a store outcome to RAM's wire error.
pub(crate) fn store_err(e: StoreError) -> ApiError {
    use Entity::*;
    match e {
        StoreError::NulInText => ApiError::nul_in_text(),
        StoreError::NotFound(User) => {
            ApiError::of(crate::codes::ENTITY_NOT_EXIST_USER, "The user does not exist.")
        }
        StoreError::NotFound(AccessKey) => ApiError::of(crate::codes::ENTITY_NOT_EXIST_USER_ACCESS_KEY,
            "The user access key does not exist.",
        ),
        StoreError::NotFound(Group) => {
            ApiError::of(crate::codes::ENTITY_NOT_EXIST_GROUP, "The group does not exist.")
        }
        StoreError::NotFound(Membership) => ApiError::of(crate::codes::ENTITY_NOT_EXIST_USER_GROUP,
            "The user is not a member of the group.",
        ),
        StoreError::NotFound(LoginProfile) => ApiError::of(crate::codes::ENTITY_NOT_EXIST_USER_LOGIN_PROFILE,
            "The login profile of the user does not exist.",
        ),
        StoreError::NotFound(Account) => ApiError::internal("account missing"),
        StoreError::NotFound(Policy) => ApiError::of(crate::codes::ENTITY_NOT_EXIST_POLICY, "The policy does not exist."),
        StoreError::NotFound(PolicyVersion) | StoreError::NotFound(DefaultPolicyVersion) => {
            ApiError::of(crate::codes::ENTITY_NOT_EXIST_POLICY_VERSION, "The policy version does not exist.")
        }
        StoreError::NotFound(Role) => ApiError::of(crate::codes::ENTITY_NOT_EXIST_ROLE, "The role does not exist."),
        StoreError::Conflict(Policy) => ApiError::of(crate::codes::ENTITY_ALREADY_EXISTS_POLICY, "The policy does already EXIST."),
        StoreError::Conflict(Role) => ApiError::of(crate::codes::ENTITY_ALREADY_EXISTS_ROLE, "The role does already EXIST."),
        StoreError::DeleteConflict(DefaultPolicyVersion) => ApiError::of(crate::codes::DELETE_CONFLICT_POLICY_VERSION_DEFAULT,
            "The default version of a policy cannot be deleted; make another version the default first.",
        ),
        StoreError::DeleteConflict(Attachment) => ApiError::of(crate::codes::DELETE_CONFLICT_USER_POLICY,
            "The user still has policies attached; detach them before deleting the user.",
        ),
        StoreError::Limit(Policy) => ApiError::of(crate::codes::LIMIT_EXCEEDED_POLICY, "The count of policies beyond the current limits."),
        StoreError::Limit(PolicyVersion) => ApiError::of(crate::codes::LIMIT_EXCEEDED_POLICY_VERSION,
            "The count of versions of the policy beyond the current limits (5); delete a version or use RotateStrategy.",
        ),
        StoreError::Limit(Role) => ApiError::of(crate::codes::LIMIT_EXCEEDED_ROLE, "The count of roles beyond the current limits."),
        StoreError::NotFound(Attachment | SystemAttachment)
        | StoreError::Conflict(PolicyVersion | DefaultPolicyVersion | Attachment | SystemAttachment) => {
            ApiError::internal(format!("unexpected store outcome {e:?}"))
        }
        StoreError::NotFound(Key | KeyVersion | Alias | Tag | Secret | SecretVersion | Stage | DbAccount)
        | StoreError::Conflict(Key | KeyVersion | Alias | Tag | Secret | SecretVersion | Stage | DbAccount) => {
            ApiError::internal(format!("unexpected store outcome {e:?}"))
        }
        StoreError::DeleteConflictOn(kind) => ApiError::internal(format!("unexpected delete conflict on {kind:?}")),
        StoreError::Conflict(User) => ApiError::of(crate::codes::ENTITY_ALREADY_EXISTS_USER,
            "The user does already EXIST.",
        ),
        StoreError::Conflict(Group) => ApiError::of(crate::codes::ENTITY_ALREADY_EXISTS_GROUP,
            "The group does already EXIST.",
        ),
        StoreError::Conflict(Membership) => ApiError::of(crate::codes::ENTITY_ALREADY_EXISTS_USER_GROUP,
            "The user has already been added to the group.",
        ),
        StoreError::Conflict(LoginProfile) => ApiError::of(crate::codes::ENTITY_ALREADY_EXISTS_USER_LOGIN_PROFILE,
            "The login profile of the user does already EXIST.",
        ),
        StoreError::Conflict(AccessKey) | StoreError::Conflict(Account) => {
            ApiError::internal("id collision")
        }
        StoreError::DeleteConflict(AccessKey) => ApiError::of(crate::codes::DELETE_CONFLICT_USER_ACCESS_KEY,
            "The user has AccessKeys; delete them before deleting the user.",
        ),
        StoreError::DeleteConflict(Group) => ApiError::of(crate::codes::DELETE_CONFLICT_USER_GROUP,
            "The user still belongs to groups; remove it from them before deleting the user.",
        ),
        StoreError::DeleteConflict(LoginProfile) => ApiError::of(crate::codes::DELETE_CONFLICT_USER_LOGIN_PROFILE,
            "The user has a login profile; delete it before deleting the user.",
        ),
        StoreError::DeleteConflict(User) => ApiError::of(crate::codes::DELETE_CONFLICT_GROUP_USER,
            "The group still has members; remove them before deleting the group.",
        ),
        StoreError::DeleteConflict(MfaDevice) => ApiError::of(crate::codes::DELETE_CONFLICT_USER_MFA_DEVICE,
            "The user has an MFA device bound; unbind it before deleting the user.",
        ),
        StoreError::DeleteConflict(other) => {
            ApiError::internal(format!("unexpected delete conflict {other:?}"))
        }
        StoreError::Limit(User) => ApiError::of(crate::codes::LIMIT_EXCEEDED_USER,
            "The count of users beyond the current limits.",
        ),
        StoreError::Limit(AccessKey) => ApiError::of(crate::codes::LIMIT_EXCEEDED_USER_ACCESS_KEY,
            "The access key count of the user access keys beyond the current limits.",
        ),
        StoreError::Limit(Group) => ApiError::of(crate::codes::LIMIT_EXCEEDED_GROUP,
            "The count of groups beyond the current limits.",
        ),
        StoreError::Limit(Membership) => ApiError::of(crate::codes::LIMIT_EXCEEDED_USER_GROUP,
            "The count of groups that the user joined beyond the current limits.",
        ),
        StoreError::NotFound(MfaDevice) => ApiError::of(crate::codes::ENTITY_NOT_EXIST_USER_MFA_DEVICE,
            "The user has no MFA device bound.",
        ),
        StoreError::Conflict(MfaDevice) => ApiError::of(crate::codes::ENTITY_ALREADY_EXISTS_USER_MFA_DEVICE,
            "The user already has an MFA device bound.",
        ),
        StoreError::Limit(MfaDevice) => ApiError::of(crate::codes::LIMIT_EXCEEDED_VIRTUAL_MFA_DEVICE,
            "The count of virtual MFA devices beyond the current limits.",
        ),
        StoreError::Limit(Tag) => ApiError::of(crate::codes::LIMIT_EXCEEDED_TAG,
            "A resource would have more than 20 tags; remove some first.",
        ),
        StoreError::NotFound(Provider) | StoreError::Conflict(Provider) => {
            ApiError::internal("an identity provider's outcome reached RAM's errors")
        }
        StoreError::Limit(other) => ApiError::internal(format!("unexpected limit {other:?}")),
        StoreError::Backend(msg) => ApiError::internal(msg),
    }
}
