//! RAM (2015-05-01) actions: parameter decoding, resource ARNs, responses.

use rampart_core::ram::policies::parse_policy_type;
use rampart_core::ram::{
    AccessKeyView, AttachedPolicyView, CreateGroup, CreateRole, CreateUser, GroupUserView,
    GroupView, LoginProfileInput, LoginProfileView, NewAccessKeyView, PolicyGroup, PolicyRole,
    PolicyUser, PolicyVersionView, PolicyView, RoleName, RoleView, UpdateGroup, UpdateRole,
    UpdateUser, UserGroupView, UserName, UserView,
};
use rampart_core::ApiError;
use rampart_crypto::SecretString;
use rampart_store::{PolicyType, PrincipalKind};
use serde::Serialize;

use crate::action::{read, FromParams, Typed};
use crate::on;
use crate::products::ActionSpec;
use crate::ram_account as acct;
use crate::request;
use crate::respond::{answers, key, Items, Listed, Nothing, One, Paged};
use crate::{Ctx, Params};

answers!(PolicyAnswer, PolicyEntitiesAnswer);

/// The implemented RAM actions.
pub static ACTIONS: &[ActionSpec] = &[
    ActionSpec::write("CreateUser", &Typed::new(create_user)),
    ActionSpec::read("GetUser", &Typed::new(get_user)),
    ActionSpec::write("UpdateUser", &Typed::new(update_user)),
    ActionSpec::write("DeleteUser", &Typed::new(delete_user::<on::NamedUser>)),
    ActionSpec::read("ListUsers", &Typed::new(list_users)),
    ActionSpec::write(
        "CreateAccessKey",
        &Typed::new(create_access_key::<on::User>),
    ),
    ActionSpec::read("ListAccessKeys", &Typed::new(list_access_keys::<on::User>)),
    ActionSpec::write(
        "UpdateAccessKey",
        &Typed::new(update_access_key::<on::User>),
    ),
    ActionSpec::write(
        "DeleteAccessKey",
        &Typed::new(delete_access_key::<on::User>),
    ),
    ActionSpec::read(
        "GetAccessKeyLastUsed",
        &Typed::new(get_access_key_last_used::<on::User>),
    ),
    ActionSpec::write("CreateGroup", &Typed::new(create_group)),
    ActionSpec::read("GetGroup", &Typed::new(get_group)),
    ActionSpec::write("UpdateGroup", &Typed::new(update_group)),
    ActionSpec::write("DeleteGroup", &Typed::new(delete_group)),
    ActionSpec::read("ListGroups", &Typed::new(list_groups)),
    ActionSpec::write(
        "AddUserToGroup",
        &Typed::new(add_user_to_group::<on::NamedUser>),
    ),
    ActionSpec::write(
        "RemoveUserFromGroup",
        &Typed::new(remove_user_from_group::<on::NamedUser>),
    ),
    ActionSpec::read("ListGroupsForUser", &Typed::new(list_groups_for_user)),
    ActionSpec::read("ListUsersForGroup", &Typed::new(list_users_for_group)),
    ActionSpec::write("CreateLoginProfile", &Typed::new(create_login_profile)).costly(),
    ActionSpec::read("GetLoginProfile", &Typed::new(get_login_profile)),
    ActionSpec::write("UpdateLoginProfile", &Typed::new(update_login_profile)).costly(),
    ActionSpec::write(
        "DeleteLoginProfile",
        &Typed::new(delete_login_profile::<on::User>),
    ),
    ActionSpec::write("CreatePolicy", &Typed::new(create_policy)),
    ActionSpec::read("GetPolicy", &Typed::new(get_policy)),
    ActionSpec::write("DeletePolicy", &Typed::new(delete_policy)),
    ActionSpec::read("ListPolicies", &Typed::new(list_policies)),
    ActionSpec::write(
        "UpdatePolicyDescription",
        &Typed::new(update_policy_description),
    ),
    ActionSpec::write("CreatePolicyVersion", &Typed::new(create_policy_version)),
    ActionSpec::read("GetPolicyVersion", &Typed::new(get_policy_version)),
    ActionSpec::write("DeletePolicyVersion", &Typed::new(delete_policy_version)),
    ActionSpec::read("ListPolicyVersions", &Typed::new(list_policy_versions)),
    ActionSpec::write(
        "SetDefaultPolicyVersion",
        &Typed::new(set_default_policy_version),
    ),
    ActionSpec::write("AttachPolicyToUser", &Typed::new(attach_to_user)),
    ActionSpec::write("DetachPolicyFromUser", &Typed::new(detach_from_user)),
    ActionSpec::write("AttachPolicyToGroup", &Typed::new(attach_to_group)),
    ActionSpec::write("DetachPolicyFromGroup", &Typed::new(detach_from_group)),
    ActionSpec::write("AttachPolicyToRole", &Typed::new(attach_to_role)),
    ActionSpec::write("DetachPolicyFromRole", &Typed::new(detach_from_role)),
    ActionSpec::read("ListPoliciesForUser", &Typed::new(list_policies_for_user)),
    ActionSpec::read("ListPoliciesForGroup", &Typed::new(list_policies_for_group)),
    ActionSpec::read("ListPoliciesForRole", &Typed::new(list_policies_for_role)),
    ActionSpec::read(
        "ListEntitiesForPolicy",
        &Typed::new(list_entities_for_policy),
    ),
    ActionSpec::write("CreateRole", &Typed::new(create_role)),
    ActionSpec::read("GetRole", &Typed::new(get_role)),
    ActionSpec::write("UpdateRole", &Typed::new(update_role)),
    ActionSpec::write("DeleteRole", &Typed::new(delete_role)),
    ActionSpec::read("ListRoles", &Typed::new(list_roles)),
    ActionSpec::write(
        "CreateServiceLinkedRole",
        &Typed::new(create_service_linked_role),
    ),
    ActionSpec::write(
        "DeleteServiceLinkedRole",
        &Typed::new(crate::ram_tools::delete_service_linked_role),
    ),
    ActionSpec::write(
        "DecodeDiagnosticMessage",
        &Typed::new(crate::ram_tools::decode_diagnostic_message),
    ),
    ActionSpec::read("GetPasswordPolicy", &Typed::new(acct::get_password_policy)),
    ActionSpec::write("SetPasswordPolicy", &Typed::new(acct::set_password_policy)),
    ActionSpec::read(
        "GetSecurityPreference",
        &Typed::new(acct::get_security_preference),
    ),
    ActionSpec::write(
        "SetSecurityPreference",
        &Typed::new(acct::set_security_preference),
    ),
    ActionSpec::read("GetAccountAlias", &Typed::new(acct::get_account_alias)),
    ActionSpec::write("SetAccountAlias", &Typed::new(acct::set_account_alias)),
    ActionSpec::write("ClearAccountAlias", &Typed::new(acct::clear_account_alias)),
    ActionSpec::write("ChangePassword", &Typed::new(acct::change_password)).costly(),
    ActionSpec::write(
        "CreateVirtualMFADevice",
        &Typed::new(acct::create_virtual_mfa_device),
    ),
    ActionSpec::read(
        "ListVirtualMFADevices",
        &Typed::new(acct::list_virtual_mfa_devices),
    ),
    ActionSpec::write(
        "DeleteVirtualMFADevice",
        &Typed::new(acct::delete_virtual_mfa_device),
    ),
    ActionSpec::write(
        "BindMFADevice",
        &Typed::new(acct::bind_mfa_device::<on::User>),
    ),
    ActionSpec::write(
        "UnbindMFADevice",
        &Typed::new(acct::unbind_mfa_device::<on::User>),
    ),
    ActionSpec::read("GetUserMFAInfo", &Typed::new(acct::get_user_mfa_info)),
    ActionSpec::write("TagResources", &Typed::new(crate::ram_tags::tag_resources)),
    ActionSpec::write(
        "UntagResources",
        &Typed::new(crate::ram_tags::untag_resources),
    ),
    ActionSpec::read(
        "ListTagResources",
        &Typed::new(crate::ram_tags::list_tag_resources),
    ),
];

/// `CreateUser`.
impl FromParams for CreateUser {
    fn parse(p: &Params) -> Result<Self, ApiError> {
        Ok(CreateUser {
            user_name: read::required(p, "UserName")?,
            display_name: read::opt(p, "DisplayName")?,
            mobile_phone: read::opt(p, "MobilePhone")?,
            email: read::opt(p, "Email")?,
            comments: read::opt(p, "Comments")?,
        })
    }
}

fn create_user(
    ctx: &Ctx<'_>,
    _: on::Users,
    r: CreateUser,
) -> Result<One<key::User, UserView>, ApiError> {
    let u = ctx.rampart.create_user(r)?;
    Ok(One::new(u))
}

fn get_user(
    ctx: &Ctx<'_>,
    on::User(user): on::User,
    (): (),
) -> Result<One<key::User, UserView>, ApiError> {
    Ok(One::new(ctx.rampart.get_user(&user)?))
}

request! {
    /// `UpdateUser`.
    struct UserUpdate {
        new_user_name: Option<String> = nonempty("NewUserName"),
        new_display_name: Option<String> = nonempty("NewDisplayName"),
        new_mobile_phone: Option<String> = opt("NewMobilePhone"),
        new_email: Option<String> = opt("NewEmail"),
        new_comments: Option<String> = opt("NewComments"),
    }
}

fn update_user(
    ctx: &Ctx<'_>,
    (on::User(user), _): (on::User, on::NewUserName),
    r: UserUpdate,
) -> Result<One<key::User, UserView>, ApiError> {
    let u = ctx.rampart.update_user(UpdateUser {
        user_name: user,
        new_user_name: r.new_user_name,
        new_display_name: r.new_display_name,
        new_mobile_phone: r.new_mobile_phone,
        new_email: r.new_email,
        new_comments: r.new_comments,
    })?;
    Ok(One::new(u))
}

pub(crate) fn delete_user<U: on::OneUser>(
    ctx: &Ctx<'_>,
    user: U,
    (): (),
) -> Result<Nothing, ApiError> {
    ctx.rampart.delete_user(user.name())?;
    Ok(Nothing)
}

request! {
    /// A page of a RAM listing: `Marker`, `MaxItems`.
    pub(crate) struct Paging {
        marker: Option<String> = opt("Marker"),
        max_items: Option<u32> = u32("MaxItems"),
    }
}

fn list_users(
    ctx: &Ctx<'_>,
    _: on::Users,
    r: Paging,
) -> Result<Paged<key::Users, key::User, UserView>, ApiError> {
    Ok(Paged::from(
        ctx.rampart.list_users(r.marker.as_deref(), r.max_items)?,
    ))
}

pub(crate) fn create_access_key<U: on::OneUser>(
    ctx: &Ctx<'_>,
    user: U,
    (): (),
) -> Result<One<key::AccessKey, NewAccessKeyView>, ApiError> {
    Ok(One::new(ctx.rampart.create_access_key(user.name())?))
}

pub(crate) fn list_access_keys<U: on::OneUser>(
    ctx: &Ctx<'_>,
    user: U,
    (): (),
) -> Result<Listed<key::AccessKeys, key::AccessKey, AccessKeyView>, ApiError> {
    Ok(Listed::new(ctx.rampart.list_access_keys(user.name())?))
}

request! {
    /// `UpdateAccessKey`.
    pub(crate) struct AccessKeyStatus {
        access_key_id: String = required("UserAccessKeyId"),
        status: String = required("Status"),
    }
}

pub(crate) fn update_access_key<U: on::OneUser>(
    ctx: &Ctx<'_>,
    user: U,
    r: AccessKeyStatus,
) -> Result<Nothing, ApiError> {
    ctx.rampart
        .update_access_key(user.name(), &r.access_key_id, &r.status)?;
    Ok(Nothing)
}

request! {
    /// An AccessKey of the user: `UserAccessKeyId`.
    pub(crate) struct AccessKeyId {
        access_key_id: String = required("UserAccessKeyId"),
    }
}

pub(crate) fn delete_access_key<U: on::OneUser>(
    ctx: &Ctx<'_>,
    user: U,
    r: AccessKeyId,
) -> Result<Nothing, ApiError> {
    ctx.rampart
        .delete_access_key(user.name(), &r.access_key_id)?;
    Ok(Nothing)
}

pub(crate) fn get_access_key_last_used<U: on::OneUser>(
    ctx: &Ctx<'_>,
    user: U,
    r: AccessKeyId,
) -> Result<One<key::AccessKeyLastUsed, LastUsed>, ApiError> {
    let last_used_date = ctx
        .rampart
        .access_key_last_used(user.name(), &r.access_key_id)?;
    Ok(One::new(LastUsed { last_used_date }))
}

/// An AccessKey's last use: `{LastUsedDate?}` (absent if never used).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LastUsed {
    #[serde(skip_serializing_if = "Option::is_none")]
    last_used_date: Option<String>,
}

request! {
    /// `CreateGroup`.
    struct NewGroup {
        group_name: String = required("GroupName"),
        comments: Option<String> = opt("Comments"),
    }
}

fn create_group(
    ctx: &Ctx<'_>,
    _: on::Groups,
    r: NewGroup,
) -> Result<One<key::Group, GroupView>, ApiError> {
    let g = ctx.rampart.create_group(CreateGroup {
        group_name: r.group_name,
        comments: r.comments,
        display_name: None,
    })?;
    Ok(One::new(g))
}

fn get_group(
    ctx: &Ctx<'_>,
    on::Group(group): on::Group,
    (): (),
) -> Result<One<key::Group, GroupView>, ApiError> {
    Ok(One::new(ctx.rampart.get_group(&group)?))
}

request! {
    /// `UpdateGroup`.
    struct GroupUpdate {
        new_group_name: Option<String> = nonempty("NewGroupName"),
        new_comments: Option<String> = opt("NewComments"),
    }
}

fn update_group(
    ctx: &Ctx<'_>,
    (on::Group(group), _): (on::Group, on::NewGroupName),
    r: GroupUpdate,
) -> Result<One<key::Group, GroupView>, ApiError> {
    let g = ctx.rampart.update_group(UpdateGroup {
        group_name: group,
        new_group_name: r.new_group_name,
        new_comments: r.new_comments,
        new_display_name: None,
    })?;
    Ok(One::new(g))
}

pub(crate) fn delete_group(
    ctx: &Ctx<'_>,
    on::Group(group): on::Group,
    (): (),
) -> Result<Nothing, ApiError> {
    ctx.rampart.delete_group(&group)?;
    Ok(Nothing)
}

fn list_groups(
    ctx: &Ctx<'_>,
    _: on::Groups,
    r: Paging,
) -> Result<Paged<key::Groups, key::Group, GroupView>, ApiError> {
    Ok(Paged::from(
        ctx.rampart.list_groups(r.marker.as_deref(), r.max_items)?,
    ))
}

pub(crate) fn add_user_to_group<U: on::OneUser>(
    ctx: &Ctx<'_>,
    (on::Group(group), user): (on::Group, U),
    (): (),
) -> Result<Nothing, ApiError> {
    ctx.rampart.add_user_to_group(user.name(), &group)?;
    Ok(Nothing)
}

pub(crate) fn remove_user_from_group<U: on::OneUser>(
    ctx: &Ctx<'_>,
    (on::Group(group), user): (on::Group, U),
    (): (),
) -> Result<Nothing, ApiError> {
    ctx.rampart.remove_user_from_group(user.name(), &group)?;
    Ok(Nothing)
}

fn list_groups_for_user(
    ctx: &Ctx<'_>,
    on::User(user): on::User,
    (): (),
) -> Result<Listed<key::Groups, key::Group, UserGroupView>, ApiError> {
    Ok(Listed::new(ctx.rampart.list_groups_for_user(&user)?))
}

fn list_users_for_group(
    ctx: &Ctx<'_>,
    on::Group(group): on::Group,
    r: Paging,
) -> Result<Paged<key::Users, key::User, GroupUserView>, ApiError> {
    Ok(Paged::from(ctx.rampart.list_users_for_group(
        &group,
        r.marker.as_deref(),
        r.max_items,
    )?))
}

request! {
    /// `CreateLoginProfile`, `UpdateLoginProfile`.
    struct LoginProfile {
        password: Option<SecretString> = with(password),
        password_reset_required: Option<bool> = bool("PasswordResetRequired"),
        mfa_bind_required: Option<bool> = bool("MFABindRequired"),
    }
}

/// `Password`, if given and not empty.
fn password(p: &Params) -> Result<Option<SecretString>, ApiError> {
    Ok(p.opt("Password").filter(|s| !s.is_empty()).map(Into::into))
}

fn login_input(user: UserName, r: LoginProfile) -> LoginProfileInput {
    LoginProfileInput {
        user_name: user,
        password: r.password,
        password_reset_required: r.password_reset_required,
        mfa_bind_required: r.mfa_bind_required,
    }
}

fn create_login_profile(
    ctx: &Ctx<'_>,
    on::User(user): on::User,
    r: LoginProfile,
) -> Result<One<key::LoginProfile, LoginProfileView>, ApiError> {
    Ok(One::new(
        ctx.rampart.create_login_profile(login_input(user, r))?,
    ))
}

pub(crate) fn get_login_profile(
    ctx: &Ctx<'_>,
    on::User(user): on::User,
    (): (),
) -> Result<One<key::LoginProfile, LoginProfileView>, ApiError> {
    Ok(One::new(ctx.rampart.get_login_profile(&user)?))
}

fn update_login_profile(
    ctx: &Ctx<'_>,
    on::User(user): on::User,
    r: LoginProfile,
) -> Result<One<key::LoginProfile, LoginProfileView>, ApiError> {
    Ok(One::new(
        ctx.rampart.update_login_profile(login_input(user, r))?,
    ))
}

pub(crate) fn delete_login_profile<U: on::OneUser>(
    ctx: &Ctx<'_>,
    user: U,
    (): (),
) -> Result<Nothing, ApiError> {
    ctx.rampart.delete_login_profile(user.name())?;
    Ok(Nothing)
}

request! {
    /// `CreatePolicy`.
    struct NewPolicy {
        policy_name: String = required("PolicyName"),
        policy_document: String = required("PolicyDocument"),
        description: Option<String> = opt("Description"),
        tags: Vec<(String, String)> = with(first_tags),
    }
}

fn create_policy(
    ctx: &Ctx<'_>,
    _: on::Policies,
    r: NewPolicy,
) -> Result<One<key::Policy, CreatedPolicy>, ApiError> {
    let v = ctx.rampart.create_policy_tagged(
        &r.policy_name,
        &r.policy_document,
        r.description.as_deref(),
        &r.tags,
    )?;
    Ok(One::new(CreatedPolicy {
        policy_name: v.policy_name,
        policy_type: v.policy_type,
        description: v.description,
        default_version: v.default_version,
        create_date: v.create_date,
    }))
}

/// A new policy as `CreatePolicy` answers it: without an attachment count
/// or an update date.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CreatedPolicy {
    policy_name: String,
    policy_type: &'static str,
    description: String,
    default_version: String,
    create_date: String,
}

fn get_policy(
    ctx: &Ctx<'_>,
    on::Policy(ptype, policy): on::Policy,
    (): (),
) -> Result<PolicyAnswer, ApiError> {
    let (policy, default_policy_version) = ctx.rampart.get_policy(&policy, ptype)?;
    Ok(PolicyAnswer {
        policy,
        default_policy_version,
    })
}

/// `GetPolicy`: the policy and its default version.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyAnswer {
    policy: PolicyView,
    default_policy_version: PolicyVersionView,
}

request! {
    /// `DeletePolicy`.
    struct PolicyDeletion {
        cascading_delete: bool = flag("CascadingDelete"),
    }
}

fn delete_policy(
    ctx: &Ctx<'_>,
    on::CustomPolicy(policy): on::CustomPolicy,
    r: PolicyDeletion,
) -> Result<Nothing, ApiError> {
    ctx.rampart.delete_policy(&policy, r.cascading_delete)?;
    Ok(Nothing)
}

request! {
    /// `ListPolicies`.
    struct PolicyListing {
        no_tag_filter: () = with(no_tag_filter),
        policy_type: Option<PolicyType> = with(policy_type),
        marker: Option<String> = opt("Marker"),
        max_items: Option<u32> = u32("MaxItems"),
    }
}

/// `PolicyType`, if given and not empty.
fn policy_type(p: &Params) -> Result<Option<PolicyType>, ApiError> {
    match p.get("PolicyType").filter(|s| !s.is_empty()) {
        Some(t) => Ok(Some(parse_policy_type(t)?)),
        None => Ok(None),
    }
}

fn list_policies(
    ctx: &Ctx<'_>,
    _: on::Policies,
    r: PolicyListing,
) -> Result<Paged<key::Policies, key::Policy, PolicyView>, ApiError> {
    let PolicyListing {
        no_tag_filter: (),
        policy_type,
        marker,
        max_items,
    } = r;
    Ok(Paged::from(ctx.rampart.list_policies(
        policy_type,
        marker.as_deref(),
        max_items,
    )?))
}

request! {
    /// `UpdatePolicyDescription`.
    struct PolicyDescription {
        new_description: String = text("NewDescription"),
    }
}

fn update_policy_description(
    ctx: &Ctx<'_>,
    on::CustomPolicy(policy): on::CustomPolicy,
    r: PolicyDescription,
) -> Result<One<key::Policy, PolicyView>, ApiError> {
    let v = ctx
        .rampart
        .update_policy_description(&policy, &r.new_description)?;
    Ok(One::new(v))
}

request! {
    /// `CreatePolicyVersion`.
    struct NewPolicyVersion {
        policy_document: String = required("PolicyDocument"),
        set_as_default: bool = flag("SetAsDefault"),
        rotate_strategy: Option<String> = opt("RotateStrategy"),
    }
}

fn create_policy_version(
    ctx: &Ctx<'_>,
    on::CustomPolicy(policy): on::CustomPolicy,
    r: NewPolicyVersion,
) -> Result<One<key::PolicyVersion, PolicyVersionView>, ApiError> {
    let v = ctx.rampart.create_policy_version(
        &policy,
        &r.policy_document,
        r.set_as_default,
        r.rotate_strategy.as_deref(),
    )?;
    Ok(One::new(v))
}

request! {
    /// A version of a policy: `VersionId`.
    struct PolicyVersionId {
        version_id: String = required("VersionId"),
    }
}

fn get_policy_version(
    ctx: &Ctx<'_>,
    on::Policy(ptype, policy): on::Policy,
    r: PolicyVersionId,
) -> Result<One<key::PolicyVersion, PolicyVersionView>, ApiError> {
    let v = ctx
        .rampart
        .get_policy_version(&policy, ptype, &r.version_id)?;
    Ok(One::new(v))
}

fn delete_policy_version(
    ctx: &Ctx<'_>,
    on::CustomPolicy(policy): on::CustomPolicy,
    r: PolicyVersionId,
) -> Result<Nothing, ApiError> {
    ctx.rampart.delete_policy_version(&policy, &r.version_id)?;
    Ok(Nothing)
}

fn list_policy_versions(
    ctx: &Ctx<'_>,
    on::Policy(ptype, policy): on::Policy,
    (): (),
) -> Result<Listed<key::PolicyVersions, key::PolicyVersion, PolicyVersionView>, ApiError> {
    Ok(Listed::new(
        ctx.rampart.list_policy_versions(&policy, ptype)?,
    ))
}

fn set_default_policy_version(
    ctx: &Ctx<'_>,
    on::CustomPolicy(policy): on::CustomPolicy,
    r: PolicyVersionId,
) -> Result<Nothing, ApiError> {
    ctx.rampart
        .set_default_policy_version(&policy, &r.version_id)?;
    Ok(Nothing)
}

/// Attach/detach: the principal and the policy, both authorized.
fn attachment(
    ctx: &Ctx<'_>,
    kind: PrincipalKind,
    principal: &str,
    on::TypedPolicy(ptype, policy): on::TypedPolicy,
    attach: bool,
) -> Result<Nothing, ApiError> {
    if attach {
        ctx.rampart.attach_policy(kind, principal, ptype, &policy)?;
    } else {
        ctx.rampart.detach_policy(kind, principal, ptype, &policy)?;
    }
    Ok(Nothing)
}

fn attach_to_user(
    ctx: &Ctx<'_>,
    (on::NamedUser(user), policy): (on::NamedUser, on::TypedPolicy),
    (): (),
) -> Result<Nothing, ApiError> {
    attachment(ctx, PrincipalKind::User, &user, policy, true)
}

fn detach_from_user(
    ctx: &Ctx<'_>,
    (on::NamedUser(user), policy): (on::NamedUser, on::TypedPolicy),
    (): (),
) -> Result<Nothing, ApiError> {
    attachment(ctx, PrincipalKind::User, &user, policy, false)
}

fn attach_to_group(
    ctx: &Ctx<'_>,
    (on::Group(group), policy): (on::Group, on::TypedPolicy),
    (): (),
) -> Result<Nothing, ApiError> {
    attachment(ctx, PrincipalKind::Group, &group, policy, true)
}

fn detach_from_group(
    ctx: &Ctx<'_>,
    (on::Group(group), policy): (on::Group, on::TypedPolicy),
    (): (),
) -> Result<Nothing, ApiError> {
    attachment(ctx, PrincipalKind::Group, &group, policy, false)
}

fn attach_to_role(
    ctx: &Ctx<'_>,
    (on::Role(role), policy): (on::Role, on::TypedPolicy),
    (): (),
) -> Result<Nothing, ApiError> {
    attachment(ctx, PrincipalKind::Role, &role.role_name, policy, true)
}

fn detach_from_role(
    ctx: &Ctx<'_>,
    (on::Role(role), policy): (on::Role, on::TypedPolicy),
    (): (),
) -> Result<Nothing, ApiError> {
    attachment(ctx, PrincipalKind::Role, &role.role_name, policy, false)
}

fn list_policies_for_user(
    ctx: &Ctx<'_>,
    on::User(user): on::User,
    (): (),
) -> Result<Listed<key::Policies, key::Policy, AttachedPolicyView>, ApiError> {
    Ok(Listed::new(
        ctx.rampart.list_policies_for(PrincipalKind::User, &user)?,
    ))
}

fn list_policies_for_group(
    ctx: &Ctx<'_>,
    on::Group(group): on::Group,
    (): (),
) -> Result<Listed<key::Policies, key::Policy, AttachedPolicyView>, ApiError> {
    Ok(Listed::new(
        ctx.rampart
            .list_policies_for(PrincipalKind::Group, &group)?,
    ))
}

fn list_policies_for_role(
    ctx: &Ctx<'_>,
    on::Role(role): on::Role,
    (): (),
) -> Result<Listed<key::Policies, key::Policy, AttachedPolicyView>, ApiError> {
    Ok(Listed::new(
        ctx.rampart
            .list_policies_for(PrincipalKind::Role, &role.role_name)?,
    ))
}

fn list_entities_for_policy(
    ctx: &Ctx<'_>,
    on::Policy(ptype, policy): on::Policy,
    (): (),
) -> Result<PolicyEntitiesAnswer, ApiError> {
    let e = ctx.rampart.list_entities_for_policy(&policy, ptype)?;
    Ok(PolicyEntitiesAnswer {
        users: Items::new(e.users),
        groups: Items::new(e.groups),
        roles: Items::new(e.roles),
    })
}

/// `ListEntitiesForPolicy`: the principals the policy is attached to.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyEntitiesAnswer {
    users: Items<key::User, PolicyUser>,
    groups: Items<key::Group, PolicyGroup>,
    roles: Items<key::Role, PolicyRole>,
}

/// An optional whole number (`MaxSessionDuration`).
fn i64_param(p: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    match p.get(name).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            ApiError::invalid(
                name,
                format!("The parameter \"{name}\" must be a whole number, got `{v}`."),
            )
        }),
    }
}

/// A new role as `CreateRole` answers it: without its principal name or
/// whether it is service-linked.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CreatedRole {
    role_id: String,
    role_name: String,
    arn: String,
    description: String,
    assume_role_policy_document: String,
    max_session_duration: i64,
    update_date: String,
    create_date: String,
}

/// `CreateRole`.
impl FromParams for CreateRole {
    fn parse(p: &Params) -> Result<Self, ApiError> {
        Ok(CreateRole {
            role_name: read::required(p, "RoleName")?,
            assume_role_policy_document: read::required(p, "AssumeRolePolicyDocument")?,
            description: read::opt(p, "Description")?,
            max_session_duration: i64_param(p, "MaxSessionDuration")?,
            tags: first_tags(p)?,
        })
    }
}

fn create_role(
    ctx: &Ctx<'_>,
    _: on::Roles,
    r: CreateRole,
) -> Result<One<key::Role, CreatedRole>, ApiError> {
    let v = ctx.rampart.create_role(r)?;
    Ok(One::new(CreatedRole {
        role_id: v.role_id,
        role_name: v.role_name,
        arn: v.arn,
        description: v.description,
        assume_role_policy_document: v.assume_role_policy_document,
        max_session_duration: v.max_session_duration,
        update_date: v.update_date,
        create_date: v.create_date,
    }))
}

/// ListRoles and ListPolicies do not filter by `Tag` here: a filter is
/// refused rather than ignored (the Tea clients send `[]` for none).
fn no_tag_filter(p: &Params) -> Result<(), ApiError> {
    if first_tags(p)?.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(
        "Tag",
        "Listing by tags is not supported by this server; list without `Tag` and use ListTagResources.",
    ))
}

/// `Tag` of CreateRole and CreatePolicy (a JSON string), if given.
fn first_tags(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    match p.get("Tag").filter(|s| !s.is_empty()) {
        Some(text) => rampart_core::ram::tags::tags("Tag", text),
        None => Ok(Vec::new()),
    }
}

fn get_role(
    ctx: &Ctx<'_>,
    on::Role(role): on::Role,
    (): (),
) -> Result<One<key::Role, RoleView>, ApiError> {
    Ok(One::new(ctx.rampart.get_role(&RoleName::of(&role))?))
}

request! {
    /// `UpdateRole`.
    struct RoleUpdate {
        new_assume_role_policy_document: Option<String> = nonempty("NewAssumeRolePolicyDocument"),
        new_max_session_duration: Option<i64> = with(|p| i64_param(p, "NewMaxSessionDuration")),
        new_description: Option<String> = opt("NewDescription"),
    }
}

fn update_role(
    ctx: &Ctx<'_>,
    on::Role(role): on::Role,
    r: RoleUpdate,
) -> Result<One<key::Role, RoleView>, ApiError> {
    let v = ctx.rampart.update_role(UpdateRole {
        role_name: RoleName::of(&role),
        new_assume_role_policy_document: r.new_assume_role_policy_document,
        new_max_session_duration: r.new_max_session_duration,
        new_description: r.new_description,
    })?;
    Ok(One::new(v))
}

fn delete_role(ctx: &Ctx<'_>, on::Role(role): on::Role, (): ()) -> Result<Nothing, ApiError> {
    ctx.rampart.delete_role(&RoleName::of(&role))?;
    Ok(Nothing)
}

request! {
    /// `ListRoles`.
    struct RoleListing {
        no_tag_filter: () = with(no_tag_filter),
        marker: Option<String> = opt("Marker"),
        max_items: Option<u32> = u32("MaxItems"),
    }
}

fn list_roles(
    ctx: &Ctx<'_>,
    _: on::Roles,
    r: RoleListing,
) -> Result<Paged<key::Roles, key::Role, RoleView>, ApiError> {
    let RoleListing {
        no_tag_filter: (),
        marker,
        max_items,
    } = r;
    Ok(Paged::from(
        ctx.rampart.list_roles(marker.as_deref(), max_items)?,
    ))
}

request! {
    /// `CreateServiceLinkedRole`.
    struct NewServiceLinkedRole {
        service_name: String = required("ServiceName"),
        description: Option<String> = nonempty("Description"),
    }
}

fn create_service_linked_role(
    ctx: &Ctx<'_>,
    _: on::Roles,
    r: NewServiceLinkedRole,
) -> Result<One<key::Role, RoleView>, ApiError> {
    Ok(One::new(ctx.rampart.create_service_linked_role(
        &r.service_name,
        r.description.as_deref(),
    )?))
}
