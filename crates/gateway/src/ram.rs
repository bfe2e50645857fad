//! RAM (2015-05-01) actions: parameter decoding, resource ARNs, responses.

use rampart_core::ram::policies::parse_policy_type;
use rampart_core::ram::{
    CreateGroup, CreateRole, CreateUser, LoginProfileInput, RoleName, UpdateGroup, UpdateRole,
    UpdateUser, UserName,
};
use rampart_core::ApiError;
use rampart_crypto::SecretString;
use rampart_store::{PolicyType, PrincipalKind};
use serde_json::{json, Map, Value};

use crate::action::{read, FromParams, Typed};
use crate::on;
use crate::products::ActionSpec;
use crate::ram_account as acct;
use crate::request;
use crate::respond::{empty, field, fields, list, page};
use crate::{Ctx, Output, Params};

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

fn create_user(ctx: &Ctx<'_>, _: on::Users, r: CreateUser) -> Result<Output, ApiError> {
    let u = ctx.rampart.create_user(r)?;
    field("User", u)
}

fn get_user(ctx: &Ctx<'_>, on::User(user): on::User, (): ()) -> Result<Output, ApiError> {
    field("User", ctx.rampart.get_user(&user)?)
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
) -> Result<Output, ApiError> {
    let u = ctx.rampart.update_user(UpdateUser {
        user_name: user,
        new_user_name: r.new_user_name,
        new_display_name: r.new_display_name,
        new_mobile_phone: r.new_mobile_phone,
        new_email: r.new_email,
        new_comments: r.new_comments,
    })?;
    field("User", u)
}

pub(crate) fn delete_user<U: on::OneUser>(
    ctx: &Ctx<'_>,
    user: U,
    (): (),
) -> Result<Output, ApiError> {
    ctx.rampart.delete_user(user.name())?;
    empty()
}

request! {
    /// A page of a RAM listing: `Marker`, `MaxItems`.
    pub(crate) struct Paging {
        marker: Option<String> = opt("Marker"),
        max_items: Option<u32> = u32("MaxItems"),
    }
}

fn list_users(ctx: &Ctx<'_>, _: on::Users, r: Paging) -> Result<Output, ApiError> {
    page(
        "Users",
        "User",
        ctx.rampart.list_users(r.marker.as_deref(), r.max_items)?,
    )
}

pub(crate) fn create_access_key<U: on::OneUser>(
    ctx: &Ctx<'_>,
    user: U,
    (): (),
) -> Result<Output, ApiError> {
    field("AccessKey", ctx.rampart.create_access_key(user.name())?)
}

pub(crate) fn list_access_keys<U: on::OneUser>(
    ctx: &Ctx<'_>,
    user: U,
    (): (),
) -> Result<Output, ApiError> {
    list(
        "AccessKeys",
        "AccessKey",
        ctx.rampart.list_access_keys(user.name())?,
    )
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
) -> Result<Output, ApiError> {
    ctx.rampart
        .update_access_key(user.name(), &r.access_key_id, &r.status)?;
    empty()
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
) -> Result<Output, ApiError> {
    ctx.rampart
        .delete_access_key(user.name(), &r.access_key_id)?;
    empty()
}

pub(crate) fn get_access_key_last_used<U: on::OneUser>(
    ctx: &Ctx<'_>,
    user: U,
    r: AccessKeyId,
) -> Result<Output, ApiError> {
    let last = ctx
        .rampart
        .access_key_last_used(user.name(), &r.access_key_id)?;
    let mut inner = Map::new();
    if let Some(d) = last {
        inner.insert("LastUsedDate".into(), Value::String(d));
    }
    field("AccessKeyLastUsed", Value::Object(inner))
}

request! {
    /// `CreateGroup`.
    struct NewGroup {
        group_name: String = required("GroupName"),
        comments: Option<String> = opt("Comments"),
    }
}

fn create_group(ctx: &Ctx<'_>, _: on::Groups, r: NewGroup) -> Result<Output, ApiError> {
    let g = ctx.rampart.create_group(CreateGroup {
        group_name: r.group_name,
        comments: r.comments,
        display_name: None,
    })?;
    field("Group", g)
}

fn get_group(ctx: &Ctx<'_>, on::Group(group): on::Group, (): ()) -> Result<Output, ApiError> {
    field("Group", ctx.rampart.get_group(&group)?)
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
) -> Result<Output, ApiError> {
    let g = ctx.rampart.update_group(UpdateGroup {
        group_name: group,
        new_group_name: r.new_group_name,
        new_comments: r.new_comments,
        new_display_name: None,
    })?;
    field("Group", g)
}

pub(crate) fn delete_group(
    ctx: &Ctx<'_>,
    on::Group(group): on::Group,
    (): (),
) -> Result<Output, ApiError> {
    ctx.rampart.delete_group(&group)?;
    empty()
}

fn list_groups(ctx: &Ctx<'_>, _: on::Groups, r: Paging) -> Result<Output, ApiError> {
    page(
        "Groups",
        "Group",
        ctx.rampart.list_groups(r.marker.as_deref(), r.max_items)?,
    )
}

pub(crate) fn add_user_to_group<U: on::OneUser>(
    ctx: &Ctx<'_>,
    (on::Group(group), user): (on::Group, U),
    (): (),
) -> Result<Output, ApiError> {
    ctx.rampart.add_user_to_group(user.name(), &group)?;
    empty()
}

pub(crate) fn remove_user_from_group<U: on::OneUser>(
    ctx: &Ctx<'_>,
    (on::Group(group), user): (on::Group, U),
    (): (),
) -> Result<Output, ApiError> {
    ctx.rampart.remove_user_from_group(user.name(), &group)?;
    empty()
}

fn list_groups_for_user(
    ctx: &Ctx<'_>,
    on::User(user): on::User,
    (): (),
) -> Result<Output, ApiError> {
    list("Groups", "Group", ctx.rampart.list_groups_for_user(&user)?)
}

fn list_users_for_group(
    ctx: &Ctx<'_>,
    on::Group(group): on::Group,
    r: Paging,
) -> Result<Output, ApiError> {
    page(
        "Users",
        "User",
        ctx.rampart
            .list_users_for_group(&group, r.marker.as_deref(), r.max_items)?,
    )
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
) -> Result<Output, ApiError> {
    field(
        "LoginProfile",
        ctx.rampart.create_login_profile(login_input(user, r))?,
    )
}

pub(crate) fn get_login_profile(
    ctx: &Ctx<'_>,
    on::User(user): on::User,
    (): (),
) -> Result<Output, ApiError> {
    field("LoginProfile", ctx.rampart.get_login_profile(&user)?)
}

fn update_login_profile(
    ctx: &Ctx<'_>,
    on::User(user): on::User,
    r: LoginProfile,
) -> Result<Output, ApiError> {
    field(
        "LoginProfile",
        ctx.rampart.update_login_profile(login_input(user, r))?,
    )
}

pub(crate) fn delete_login_profile<U: on::OneUser>(
    ctx: &Ctx<'_>,
    user: U,
    (): (),
) -> Result<Output, ApiError> {
    ctx.rampart.delete_login_profile(user.name())?;
    empty()
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

fn create_policy(ctx: &Ctx<'_>, _: on::Policies, r: NewPolicy) -> Result<Output, ApiError> {
    let v = ctx.rampart.create_policy_tagged(
        &r.policy_name,
        &r.policy_document,
        r.description.as_deref(),
        &r.tags,
    )?;
    let mut m = fields("Policy", &v)?;
    if let Some(Value::Object(pol)) = m.get_mut("Policy") {
        pol.remove("AttachmentCount");
        pol.remove("UpdateDate");
    }
    Ok(m.into())
}

fn get_policy(
    ctx: &Ctx<'_>,
    on::Policy(ptype, policy): on::Policy,
    (): (),
) -> Result<Output, ApiError> {
    let (policy, version) = ctx.rampart.get_policy(&policy, ptype)?;
    let mut m = fields("Policy", policy)?;
    m.extend(fields("DefaultPolicyVersion", version)?);
    Ok(m.into())
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
) -> Result<Output, ApiError> {
    ctx.rampart.delete_policy(&policy, r.cascading_delete)?;
    empty()
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

fn list_policies(ctx: &Ctx<'_>, _: on::Policies, r: PolicyListing) -> Result<Output, ApiError> {
    let PolicyListing {
        no_tag_filter: (),
        policy_type,
        marker,
        max_items,
    } = r;
    page(
        "Policies",
        "Policy",
        ctx.rampart
            .list_policies(policy_type, marker.as_deref(), max_items)?,
    )
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
) -> Result<Output, ApiError> {
    let v = ctx
        .rampart
        .update_policy_description(&policy, &r.new_description)?;
    field("Policy", v)
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
) -> Result<Output, ApiError> {
    let v = ctx.rampart.create_policy_version(
        &policy,
        &r.policy_document,
        r.set_as_default,
        r.rotate_strategy.as_deref(),
    )?;
    field("PolicyVersion", v)
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
) -> Result<Output, ApiError> {
    let v = ctx
        .rampart
        .get_policy_version(&policy, ptype, &r.version_id)?;
    field("PolicyVersion", v)
}

fn delete_policy_version(
    ctx: &Ctx<'_>,
    on::CustomPolicy(policy): on::CustomPolicy,
    r: PolicyVersionId,
) -> Result<Output, ApiError> {
    ctx.rampart.delete_policy_version(&policy, &r.version_id)?;
    empty()
}

fn list_policy_versions(
    ctx: &Ctx<'_>,
    on::Policy(ptype, policy): on::Policy,
    (): (),
) -> Result<Output, ApiError> {
    list(
        "PolicyVersions",
        "PolicyVersion",
        ctx.rampart.list_policy_versions(&policy, ptype)?,
    )
}

fn set_default_policy_version(
    ctx: &Ctx<'_>,
    on::CustomPolicy(policy): on::CustomPolicy,
    r: PolicyVersionId,
) -> Result<Output, ApiError> {
    ctx.rampart
        .set_default_policy_version(&policy, &r.version_id)?;
    empty()
}

/// Attach/detach: the principal and the policy, both authorized.
fn attachment(
    ctx: &Ctx<'_>,
    kind: PrincipalKind,
    principal: &str,
    on::TypedPolicy(ptype, policy): on::TypedPolicy,
    attach: bool,
) -> Result<Output, ApiError> {
    if attach {
        ctx.rampart.attach_policy(kind, principal, ptype, &policy)?;
    } else {
        ctx.rampart.detach_policy(kind, principal, ptype, &policy)?;
    }
    empty()
}

fn attach_to_user(
    ctx: &Ctx<'_>,
    (on::NamedUser(user), policy): (on::NamedUser, on::TypedPolicy),
    (): (),
) -> Result<Output, ApiError> {
    attachment(ctx, PrincipalKind::User, &user, policy, true)
}

fn detach_from_user(
    ctx: &Ctx<'_>,
    (on::NamedUser(user), policy): (on::NamedUser, on::TypedPolicy),
    (): (),
) -> Result<Output, ApiError> {
    attachment(ctx, PrincipalKind::User, &user, policy, false)
}

fn attach_to_group(
    ctx: &Ctx<'_>,
    (on::Group(group), policy): (on::Group, on::TypedPolicy),
    (): (),
) -> Result<Output, ApiError> {
    attachment(ctx, PrincipalKind::Group, &group, policy, true)
}

fn detach_from_group(
    ctx: &Ctx<'_>,
    (on::Group(group), policy): (on::Group, on::TypedPolicy),
    (): (),
) -> Result<Output, ApiError> {
    attachment(ctx, PrincipalKind::Group, &group, policy, false)
}

fn attach_to_role(
    ctx: &Ctx<'_>,
    (on::Role(role), policy): (on::Role, on::TypedPolicy),
    (): (),
) -> Result<Output, ApiError> {
    attachment(ctx, PrincipalKind::Role, &role.role_name, policy, true)
}

fn detach_from_role(
    ctx: &Ctx<'_>,
    (on::Role(role), policy): (on::Role, on::TypedPolicy),
    (): (),
) -> Result<Output, ApiError> {
    attachment(ctx, PrincipalKind::Role, &role.role_name, policy, false)
}

fn list_policies_for_user(
    ctx: &Ctx<'_>,
    on::User(user): on::User,
    (): (),
) -> Result<Output, ApiError> {
    list(
        "Policies",
        "Policy",
        ctx.rampart.list_policies_for(PrincipalKind::User, &user)?,
    )
}

fn list_policies_for_group(
    ctx: &Ctx<'_>,
    on::Group(group): on::Group,
    (): (),
) -> Result<Output, ApiError> {
    list(
        "Policies",
        "Policy",
        ctx.rampart
            .list_policies_for(PrincipalKind::Group, &group)?,
    )
}

fn list_policies_for_role(
    ctx: &Ctx<'_>,
    on::Role(role): on::Role,
    (): (),
) -> Result<Output, ApiError> {
    list(
        "Policies",
        "Policy",
        ctx.rampart
            .list_policies_for(PrincipalKind::Role, &role.role_name)?,
    )
}

fn list_entities_for_policy(
    ctx: &Ctx<'_>,
    on::Policy(ptype, policy): on::Policy,
    (): (),
) -> Result<Output, ApiError> {
    let e = ctx.rampart.list_entities_for_policy(&policy, ptype)?;
    let mut m = Map::new();
    m.insert("Users".into(), json!({ "User": e.users }));
    m.insert("Groups".into(), json!({ "Group": e.groups }));
    m.insert("Roles".into(), json!({ "Role": e.roles }));
    Ok(m.into())
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

fn role_field(v: rampart_core::ram::RoleView, full: bool) -> Result<Output, ApiError> {
    let mut m = fields("Role", v)?;
    if !full {
        if let Some(Value::Object(r)) = m.get_mut("Role") {
            r.remove("RolePrincipalName");
            r.remove("IsServiceLinkedRole");
        }
    }
    Ok(m.into())
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

fn create_role(ctx: &Ctx<'_>, _: on::Roles, r: CreateRole) -> Result<Output, ApiError> {
    let v = ctx.rampart.create_role(r)?;
    role_field(v, false)
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

fn get_role(ctx: &Ctx<'_>, on::Role(role): on::Role, (): ()) -> Result<Output, ApiError> {
    role_field(ctx.rampart.get_role(&RoleName::of(&role))?, true)
}

request! {
    /// `UpdateRole`.
    struct RoleUpdate {
        new_assume_role_policy_document: Option<String> = nonempty("NewAssumeRolePolicyDocument"),
        new_max_session_duration: Option<i64> = with(|p| i64_param(p, "NewMaxSessionDuration")),
        new_description: Option<String> = opt("NewDescription"),
    }
}

fn update_role(ctx: &Ctx<'_>, on::Role(role): on::Role, r: RoleUpdate) -> Result<Output, ApiError> {
    let v = ctx.rampart.update_role(UpdateRole {
        role_name: RoleName::of(&role),
        new_assume_role_policy_document: r.new_assume_role_policy_document,
        new_max_session_duration: r.new_max_session_duration,
        new_description: r.new_description,
    })?;
    role_field(v, true)
}

fn delete_role(ctx: &Ctx<'_>, on::Role(role): on::Role, (): ()) -> Result<Output, ApiError> {
    ctx.rampart.delete_role(&RoleName::of(&role))?;
    empty()
}

request! {
    /// `ListRoles`.
    struct RoleListing {
        no_tag_filter: () = with(no_tag_filter),
        marker: Option<String> = opt("Marker"),
        max_items: Option<u32> = u32("MaxItems"),
    }
}

fn list_roles(ctx: &Ctx<'_>, _: on::Roles, r: RoleListing) -> Result<Output, ApiError> {
    let RoleListing {
        no_tag_filter: (),
        marker,
        max_items,
    } = r;
    page(
        "Roles",
        "Role",
        ctx.rampart.list_roles(marker.as_deref(), max_items)?,
    )
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
) -> Result<Output, ApiError> {
    role_field(
        ctx.rampart
            .create_service_linked_role(&r.service_name, r.description.as_deref())?,
        true,
    )
}
