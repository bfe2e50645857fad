//! RAM (2015-05-01) actions: parameter decoding, resource ARNs, responses.

use rampart_core::ram::policies::parse_policy_type;
use rampart_core::ram::{
    CreateGroup, CreateRole, CreateUser, LoginProfileInput, UpdateGroup, UpdateRole, UpdateUser,
};
use rampart_core::ApiError;
use rampart_store::PrincipalKind;
use serde_json::{json, Map, Value};

use crate::products::ActionSpec;
use crate::ram_account as acct;
use crate::respond::{empty, field, fields, list, page};
use crate::target::{Container, PolicyKind, Sel};
use crate::{Ctx, Output};

const USERS: &[Sel] = &[Sel::Container(Container::Users)];
pub(crate) const GROUPS: &[Sel] = &[Sel::Container(Container::Groups)];
const ROLES: &[Sel] = &[Sel::Container(Container::Roles)];
const POLICIES: &[Sel] = &[Sel::Container(Container::Policies)];
const ACCOUNT: &[Sel] = &[Sel::Container(Container::RamAccount)];
/// `UserName`, or the calling RAM user when absent.
const USER: Sel = Sel::User {
    param: "UserName",
    self_default: true,
};
/// `UserName`, required.
const NAMED_USER: Sel = Sel::User {
    param: "UserName",
    self_default: false,
};
pub(crate) const GROUP: Sel = Sel::Group("GroupName");
const ROLE: Sel = Sel::Role("RoleName");

/// The implemented RAM actions.
pub static ACTIONS: &[ActionSpec] = &[
    ActionSpec::write("CreateUser", USERS, create_user),
    ActionSpec::read("GetUser", &[USER], get_user),
    ActionSpec::write(
        "UpdateUser",
        &[USER, Sel::NewUserName("NewUserName")],
        update_user,
    ),
    ActionSpec::write("DeleteUser", &[NAMED_USER], delete_user),
    ActionSpec::read("ListUsers", USERS, list_users),
    ActionSpec::write("CreateAccessKey", &[USER], create_access_key),
    ActionSpec::read("ListAccessKeys", &[USER], list_access_keys),
    ActionSpec::write("UpdateAccessKey", &[USER], update_access_key),
    ActionSpec::write("DeleteAccessKey", &[USER], delete_access_key),
    ActionSpec::read("GetAccessKeyLastUsed", &[USER], get_access_key_last_used),
    ActionSpec::write("CreateGroup", GROUPS, create_group),
    ActionSpec::read("GetGroup", &[GROUP], get_group),
    ActionSpec::write(
        "UpdateGroup",
        &[GROUP, Sel::NewGroupName("NewGroupName")],
        update_group,
    ),
    ActionSpec::write("DeleteGroup", &[GROUP], delete_group),
    ActionSpec::read("ListGroups", GROUPS, list_groups),
    ActionSpec::write("AddUserToGroup", &[GROUP, NAMED_USER], add_user_to_group),
    ActionSpec::write(
        "RemoveUserFromGroup",
        &[GROUP, NAMED_USER],
        remove_user_from_group,
    ),
    ActionSpec::read("ListGroupsForUser", &[USER], list_groups_for_user),
    ActionSpec::read("ListUsersForGroup", &[GROUP], list_users_for_group),
    ActionSpec::write("CreateLoginProfile", &[USER], create_login_profile).costly(),
    ActionSpec::read("GetLoginProfile", &[USER], get_login_profile),
    ActionSpec::write("UpdateLoginProfile", &[USER], update_login_profile).costly(),
    ActionSpec::write("DeleteLoginProfile", &[USER], delete_login_profile),
    ActionSpec::write("CreatePolicy", POLICIES, create_policy),
    ActionSpec::read(
        "GetPolicy",
        &[Sel::Policy(PolicyKind::DefaultCustom)],
        get_policy,
    ),
    ActionSpec::write(
        "DeletePolicy",
        &[Sel::Policy(PolicyKind::CustomOnly)],
        delete_policy,
    ),
    ActionSpec::read("ListPolicies", POLICIES, list_policies),
    ActionSpec::write(
        "UpdatePolicyDescription",
        &[Sel::Policy(PolicyKind::CustomOnly)],
        update_policy_description,
    ),
    ActionSpec::write(
        "CreatePolicyVersion",
        &[Sel::Policy(PolicyKind::CustomOnly)],
        create_policy_version,
    ),
    ActionSpec::read(
        "GetPolicyVersion",
        &[Sel::Policy(PolicyKind::DefaultCustom)],
        get_policy_version,
    ),
    ActionSpec::write(
        "DeletePolicyVersion",
        &[Sel::Policy(PolicyKind::CustomOnly)],
        delete_policy_version,
    ),
    ActionSpec::read(
        "ListPolicyVersions",
        &[Sel::Policy(PolicyKind::DefaultCustom)],
        list_policy_versions,
    ),
    ActionSpec::write(
        "SetDefaultPolicyVersion",
        &[Sel::Policy(PolicyKind::CustomOnly)],
        set_default_policy_version,
    ),
    ActionSpec::write(
        "AttachPolicyToUser",
        &[NAMED_USER, Sel::Policy(PolicyKind::Typed)],
        attach_to_user,
    ),
    ActionSpec::write(
        "DetachPolicyFromUser",
        &[NAMED_USER, Sel::Policy(PolicyKind::Typed)],
        detach_from_user,
    ),
    ActionSpec::write(
        "AttachPolicyToGroup",
        &[GROUP, Sel::Policy(PolicyKind::Typed)],
        attach_to_group,
    ),
    ActionSpec::write(
        "DetachPolicyFromGroup",
        &[GROUP, Sel::Policy(PolicyKind::Typed)],
        detach_from_group,
    ),
    ActionSpec::write(
        "AttachPolicyToRole",
        &[ROLE, Sel::Policy(PolicyKind::Typed)],
        attach_to_role,
    ),
    ActionSpec::write(
        "DetachPolicyFromRole",
        &[ROLE, Sel::Policy(PolicyKind::Typed)],
        detach_from_role,
    ),
    ActionSpec::read("ListPoliciesForUser", &[USER], list_policies_for_user),
    ActionSpec::read("ListPoliciesForGroup", &[GROUP], list_policies_for_group),
    ActionSpec::read("ListPoliciesForRole", &[ROLE], list_policies_for_role),
    ActionSpec::read(
        "ListEntitiesForPolicy",
        &[Sel::Policy(PolicyKind::DefaultCustom)],
        list_entities_for_policy,
    ),
    ActionSpec::write("CreateRole", ROLES, create_role),
    ActionSpec::read("GetRole", &[ROLE], get_role),
    ActionSpec::write("UpdateRole", &[ROLE], update_role),
    ActionSpec::write("DeleteRole", &[ROLE], delete_role),
    ActionSpec::read("ListRoles", ROLES, list_roles),
    ActionSpec::write("CreateServiceLinkedRole", ROLES, create_service_linked_role),
    ActionSpec::write(
        "DeleteServiceLinkedRole",
        &[ROLE],
        crate::ram_tools::delete_service_linked_role,
    ),
    ActionSpec::write(
        "DecodeDiagnosticMessage",
        &[Sel::Container(Container::Account)],
        crate::ram_tools::decode_diagnostic_message,
    ),
    ActionSpec::read("GetPasswordPolicy", ACCOUNT, acct::get_password_policy),
    ActionSpec::write("SetPasswordPolicy", ACCOUNT, acct::set_password_policy),
    ActionSpec::read(
        "GetSecurityPreference",
        ACCOUNT,
        acct::get_security_preference,
    ),
    ActionSpec::write(
        "SetSecurityPreference",
        ACCOUNT,
        acct::set_security_preference,
    ),
    ActionSpec::read("GetAccountAlias", ACCOUNT, acct::get_account_alias),
    ActionSpec::write("SetAccountAlias", ACCOUNT, acct::set_account_alias),
    ActionSpec::write("ClearAccountAlias", ACCOUNT, acct::clear_account_alias),
    ActionSpec::write("ChangePassword", &[Sel::Caller], acct::change_password).costly(),
    ActionSpec::write(
        "CreateVirtualMFADevice",
        &[Sel::Mfa("VirtualMFADeviceName")],
        acct::create_virtual_mfa_device,
    ),
    ActionSpec::read(
        "ListVirtualMFADevices",
        &[Sel::Container(Container::MfaDevices)],
        acct::list_virtual_mfa_devices,
    ),
    ActionSpec::write(
        "DeleteVirtualMFADevice",
        &[Sel::Mfa("SerialNumber")],
        acct::delete_virtual_mfa_device,
    ),
    ActionSpec::write(
        "BindMFADevice",
        &[USER, Sel::Mfa("SerialNumber")],
        acct::bind_mfa_device,
    ),
    ActionSpec::write("UnbindMFADevice", &[USER], acct::unbind_mfa_device),
    ActionSpec::read("GetUserMFAInfo", &[USER], acct::get_user_mfa_info),
    ActionSpec::write(
        "TagResources",
        &[Sel::RamTagged],
        crate::ram_tags::tag_resources,
    ),
    ActionSpec::write(
        "UntagResources",
        &[Sel::RamTagged],
        crate::ram_tags::untag_resources,
    ),
    ActionSpec::read(
        "ListTagResources",
        &[Sel::RamTagged],
        crate::ram_tags::list_tag_resources,
    ),
];

fn create_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let u = ctx.rampart.create_user(CreateUser {
        user_name: p.required("UserName")?.to_string(),
        display_name: p.opt("DisplayName"),
        mobile_phone: p.opt("MobilePhone"),
        email: p.opt("Email"),
        comments: p.opt("Comments"),
    })?;
    field("User", u)
}

fn get_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field("User", ctx.rampart.get_user(ctx.target.user()?)?)
}

fn update_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let u = ctx.rampart.update_user(UpdateUser {
        user_name: ctx.target.user()?.clone(),
        new_user_name: p.opt("NewUserName").filter(|s| !s.is_empty()),
        new_display_name: p.opt("NewDisplayName").filter(|s| !s.is_empty()),
        new_mobile_phone: p.opt("NewMobilePhone"),
        new_email: p.opt("NewEmail"),
        new_comments: p.opt("NewComments"),
    })?;
    field("User", u)
}

pub(crate) fn delete_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart.delete_user(ctx.target.user()?)?;
    empty()
}

fn list_users(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    page(
        "Users",
        "User",
        ctx.rampart
            .list_users(p.get("Marker"), p.u32("MaxItems")?)?,
    )
}

pub(crate) fn create_access_key(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field(
        "AccessKey",
        ctx.rampart.create_access_key(ctx.target.user()?)?,
    )
}

pub(crate) fn list_access_keys(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    list(
        "AccessKeys",
        "AccessKey",
        ctx.rampart.list_access_keys(ctx.target.user()?)?,
    )
}

pub(crate) fn update_access_key(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    ctx.rampart.update_access_key(
        ctx.target.user()?,
        p.required("UserAccessKeyId")?,
        p.required("Status")?,
    )?;
    empty()
}

pub(crate) fn delete_access_key(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart
        .delete_access_key(ctx.target.user()?, ctx.params.required("UserAccessKeyId")?)?;
    empty()
}

pub(crate) fn get_access_key_last_used(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let last = ctx
        .rampart
        .access_key_last_used(ctx.target.user()?, ctx.params.required("UserAccessKeyId")?)?;
    let mut inner = Map::new();
    if let Some(d) = last {
        inner.insert("LastUsedDate".into(), Value::String(d));
    }
    field("AccessKeyLastUsed", Value::Object(inner))
}

fn create_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let g = ctx.rampart.create_group(CreateGroup {
        group_name: p.required("GroupName")?.to_string(),
        comments: p.opt("Comments"),
        display_name: None,
    })?;
    field("Group", g)
}

fn get_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field("Group", ctx.rampart.get_group(ctx.target.group()?)?)
}

fn update_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let g = ctx.rampart.update_group(UpdateGroup {
        group_name: ctx.target.group()?.to_string(),
        new_group_name: p.opt("NewGroupName").filter(|s| !s.is_empty()),
        new_comments: p.opt("NewComments"),
        new_display_name: None,
    })?;
    field("Group", g)
}

pub(crate) fn delete_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart.delete_group(ctx.target.group()?)?;
    empty()
}

fn list_groups(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    page(
        "Groups",
        "Group",
        ctx.rampart
            .list_groups(p.get("Marker"), p.u32("MaxItems")?)?,
    )
}

pub(crate) fn add_user_to_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart
        .add_user_to_group(ctx.target.user()?, ctx.target.group()?)?;
    empty()
}

pub(crate) fn remove_user_from_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart
        .remove_user_from_group(ctx.target.user()?, ctx.target.group()?)?;
    empty()
}

fn list_groups_for_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    list(
        "Groups",
        "Group",
        ctx.rampart.list_groups_for_user(ctx.target.user()?)?,
    )
}

fn list_users_for_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    page(
        "Users",
        "User",
        ctx.rampart.list_users_for_group(
            ctx.target.group()?,
            p.get("Marker"),
            p.u32("MaxItems")?,
        )?,
    )
}

fn login_input(ctx: &Ctx<'_>) -> Result<LoginProfileInput, ApiError> {
    let p = ctx.params;
    Ok(LoginProfileInput {
        user_name: ctx.target.user()?.clone(),
        password: p.opt("Password").filter(|s| !s.is_empty()).map(Into::into),
        password_reset_required: p.bool("PasswordResetRequired")?,
        mfa_bind_required: p.bool("MFABindRequired")?,
    })
}

pub(crate) fn create_login_profile(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field(
        "LoginProfile",
        ctx.rampart.create_login_profile(login_input(ctx)?)?,
    )
}

pub(crate) fn get_login_profile(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field(
        "LoginProfile",
        ctx.rampart.get_login_profile(ctx.target.user()?)?,
    )
}

pub(crate) fn update_login_profile(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field(
        "LoginProfile",
        ctx.rampart.update_login_profile(login_input(ctx)?)?,
    )
}

pub(crate) fn delete_login_profile(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart.delete_login_profile(ctx.target.user()?)?;
    empty()
}

fn create_policy(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let v = ctx.rampart.create_policy_tagged(
        p.required("PolicyName")?,
        p.required("PolicyDocument")?,
        p.get("Description"),
        &first_tags(ctx)?,
    )?;
    let mut m = fields("Policy", &v)?;
    if let Some(Value::Object(pol)) = m.get_mut("Policy") {
        pol.remove("AttachmentCount");
        pol.remove("UpdateDate");
    }
    Ok(m.into())
}

fn get_policy(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let (ptype, name) = ctx.target.policy()?;
    let (policy, version) = ctx.rampart.get_policy(name, ptype)?;
    let mut m = fields("Policy", policy)?;
    m.extend(fields("DefaultPolicyVersion", version)?);
    Ok(m.into())
}

fn delete_policy(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    ctx.rampart.delete_policy(
        ctx.target.policy()?.1,
        p.bool("CascadingDelete")?.unwrap_or(false),
    )?;
    empty()
}

fn list_policies(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    no_tag_filter(ctx)?;
    let p = ctx.params;
    let ptype = match p.get("PolicyType").filter(|s| !s.is_empty()) {
        Some(t) => Some(parse_policy_type(t)?),
        None => None,
    };
    page(
        "Policies",
        "Policy",
        ctx.rampart
            .list_policies(ptype, p.get("Marker"), p.u32("MaxItems")?)?,
    )
}

fn update_policy_description(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let v = ctx.rampart.update_policy_description(
        ctx.target.policy()?.1,
        p.get("NewDescription").unwrap_or_default(),
    )?;
    field("Policy", v)
}

fn create_policy_version(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let v = ctx.rampart.create_policy_version(
        ctx.target.policy()?.1,
        p.required("PolicyDocument")?,
        p.bool("SetAsDefault")?.unwrap_or(false),
        p.get("RotateStrategy"),
    )?;
    field("PolicyVersion", v)
}

fn get_policy_version(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let (ptype, name) = ctx.target.policy()?;
    let v = ctx
        .rampart
        .get_policy_version(name, ptype, p.required("VersionId")?)?;
    field("PolicyVersion", v)
}

fn delete_policy_version(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    ctx.rampart
        .delete_policy_version(ctx.target.policy()?.1, p.required("VersionId")?)?;
    empty()
}

fn list_policy_versions(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let (ptype, name) = ctx.target.policy()?;
    list(
        "PolicyVersions",
        "PolicyVersion",
        ctx.rampart.list_policy_versions(name, ptype)?,
    )
}

fn set_default_policy_version(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    ctx.rampart
        .set_default_policy_version(ctx.target.policy()?.1, p.required("VersionId")?)?;
    empty()
}

/// Attach/detach: the principal and the policy, both authorized.
fn attachment(ctx: &Ctx<'_>, kind: PrincipalKind, attach: bool) -> Result<Output, ApiError> {
    let t = ctx.target;
    let (ptype, name) = t.policy()?;
    let principal = match kind {
        PrincipalKind::User => t.user()?.as_str(),
        PrincipalKind::Group => t.group()?,
        PrincipalKind::Role => &t.role()?.role_name,
    };
    if attach {
        ctx.rampart.attach_policy(kind, principal, ptype, name)?;
    } else {
        ctx.rampart.detach_policy(kind, principal, ptype, name)?;
    }
    empty()
}

fn attach_to_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    attachment(ctx, PrincipalKind::User, true)
}

fn detach_from_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    attachment(ctx, PrincipalKind::User, false)
}

fn attach_to_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    attachment(ctx, PrincipalKind::Group, true)
}

fn detach_from_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    attachment(ctx, PrincipalKind::Group, false)
}

fn attach_to_role(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    attachment(ctx, PrincipalKind::Role, true)
}

fn detach_from_role(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    attachment(ctx, PrincipalKind::Role, false)
}

fn list_policies_for_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    list(
        "Policies",
        "Policy",
        ctx.rampart
            .list_policies_for(PrincipalKind::User, ctx.target.user()?)?,
    )
}

fn list_policies_for_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    list(
        "Policies",
        "Policy",
        ctx.rampart
            .list_policies_for(PrincipalKind::Group, ctx.target.group()?)?,
    )
}

fn list_policies_for_role(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    list(
        "Policies",
        "Policy",
        ctx.rampart
            .list_policies_for(PrincipalKind::Role, &ctx.target.role()?.role_name)?,
    )
}

fn list_entities_for_policy(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let (ptype, name) = ctx.target.policy()?;
    let e = ctx.rampart.list_entities_for_policy(name, ptype)?;
    let mut m = Map::new();
    m.insert("Users".into(), json!({ "User": e.users }));
    m.insert("Groups".into(), json!({ "Group": e.groups }));
    m.insert("Roles".into(), json!({ "Role": e.roles }));
    Ok(m.into())
}

fn i64_param(ctx: &Ctx<'_>, name: &str) -> Result<Option<i64>, ApiError> {
    match ctx.params.get(name).filter(|s| !s.is_empty()) {
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

fn create_role(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let v = ctx.rampart.create_role(CreateRole {
        role_name: p.required("RoleName")?.to_string(),
        assume_role_policy_document: p.required("AssumeRolePolicyDocument")?.to_string(),
        description: p.opt("Description"),
        max_session_duration: i64_param(ctx, "MaxSessionDuration")?,
        tags: first_tags(ctx)?,
    })?;
    role_field(v, false)
}

/// ListRoles and ListPolicies do not filter by `Tag` here: a filter is
/// refused rather than ignored (the Tea clients send `[]` for none).
fn no_tag_filter(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    if first_tags(ctx)?.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(
        "Tag",
        "Listing by tags is not supported by this server; list without `Tag` and use ListTagResources.",
    ))
}

/// `Tag` of CreateRole and CreatePolicy (a JSON string), if given.
fn first_tags(ctx: &Ctx<'_>) -> Result<Vec<(String, String)>, ApiError> {
    match ctx.params.get("Tag").filter(|s| !s.is_empty()) {
        Some(text) => rampart_core::ram::tags::tags("Tag", text),
        None => Ok(Vec::new()),
    }
}

fn get_role(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    role_field(ctx.rampart.get_role(&ctx.target.role()?.role_name)?, true)
}

fn update_role(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let v = ctx.rampart.update_role(UpdateRole {
        role_name: ctx.target.role()?.role_name.clone(),
        new_assume_role_policy_document: p
            .opt("NewAssumeRolePolicyDocument")
            .filter(|s| !s.is_empty()),
        new_max_session_duration: i64_param(ctx, "NewMaxSessionDuration")?,
        new_description: p.opt("NewDescription"),
    })?;
    role_field(v, true)
}

fn delete_role(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart.delete_role(&ctx.target.role()?.role_name)?;
    empty()
}

fn list_roles(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    no_tag_filter(ctx)?;
    let p = ctx.params;
    page(
        "Roles",
        "Role",
        ctx.rampart
            .list_roles(p.get("Marker"), p.u32("MaxItems")?)?,
    )
}

fn create_service_linked_role(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    role_field(
        ctx.rampart.create_service_linked_role(
            p.required("ServiceName")?,
            p.get("Description").filter(|s| !s.is_empty()),
        )?,
        true,
    )
}
