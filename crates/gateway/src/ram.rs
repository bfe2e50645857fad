//! RAM (2015-05-01) actions: parameter decoding, resource ARNs, responses.

use rampart_core::ram::policies::parse_policy_type;
use rampart_core::ram::{
    CreateGroup, CreateRole, CreateUser, LoginProfileInput, Page, UpdateGroup, UpdateRole,
    UpdateUser,
};
use rampart_core::{ApiError, Principal};
use rampart_store::{PolicyType, PrincipalKind};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::products::ActionSpec;
use crate::{Ctx, Output};

macro_rules! action {
    ($name:literal, $resource:expr, $handler:expr) => {
        ActionSpec {
            name: $name,
            resource: Some($resource),
            auth_extra: None,
            handler: $handler,
        }
    };
}

/// The implemented RAM actions.
pub static ACTIONS: &[ActionSpec] = &[
    action!("CreateUser", all_users, create_user),
    action!("GetUser", user_arn, get_user),
    action!("UpdateUser", user_arn, update_user),
    action!("DeleteUser", user_arn, delete_user),
    action!("ListUsers", all_users, list_users),
    action!("CreateAccessKey", user_arn, create_access_key),
    action!("ListAccessKeys", user_arn, list_access_keys),
    action!("UpdateAccessKey", user_arn, update_access_key),
    action!("DeleteAccessKey", user_arn, delete_access_key),
    action!("GetAccessKeyLastUsed", user_arn, get_access_key_last_used),
    action!("CreateGroup", all_groups, create_group),
    action!("GetGroup", group_arn, get_group),
    action!("UpdateGroup", group_arn, update_group),
    action!("DeleteGroup", group_arn, delete_group),
    action!("ListGroups", all_groups, list_groups),
    action!("AddUserToGroup", group_arn, add_user_to_group),
    action!("RemoveUserFromGroup", group_arn, remove_user_from_group),
    action!("ListGroupsForUser", user_arn, list_groups_for_user),
    action!("ListUsersForGroup", group_arn, list_users_for_group),
    action!("CreateLoginProfile", user_arn, create_login_profile),
    action!("GetLoginProfile", user_arn, get_login_profile),
    action!("UpdateLoginProfile", user_arn, update_login_profile),
    action!("DeleteLoginProfile", user_arn, delete_login_profile),
    action!("CreatePolicy", all_policies, create_policy),
    action!("GetPolicy", policy_arn, get_policy),
    action!("DeletePolicy", policy_arn, delete_policy),
    action!("ListPolicies", all_policies, list_policies),
    action!(
        "UpdatePolicyDescription",
        policy_arn,
        update_policy_description
    ),
    action!("CreatePolicyVersion", policy_arn, create_policy_version),
    action!("GetPolicyVersion", policy_arn, get_policy_version),
    action!("DeletePolicyVersion", policy_arn, delete_policy_version),
    action!("ListPolicyVersions", policy_arn, list_policy_versions),
    action!(
        "SetDefaultPolicyVersion",
        policy_arn,
        set_default_policy_version
    ),
    action!("AttachPolicyToUser", user_arn, attach_to_user),
    action!("DetachPolicyFromUser", user_arn, detach_from_user),
    action!("AttachPolicyToGroup", group_arn, attach_to_group),
    action!("DetachPolicyFromGroup", group_arn, detach_from_group),
    action!("AttachPolicyToRole", role_arn, attach_to_role),
    action!("DetachPolicyFromRole", role_arn, detach_from_role),
    action!("ListPoliciesForUser", user_arn, list_policies_for_user),
    action!("ListPoliciesForGroup", group_arn, list_policies_for_group),
    action!("ListPoliciesForRole", role_arn, list_policies_for_role),
    action!(
        "ListEntitiesForPolicy",
        policy_arn,
        list_entities_for_policy
    ),
    action!("CreateRole", all_roles, create_role),
    action!("GetRole", role_arn, get_role),
    action!("UpdateRole", role_arn, update_role),
    action!("DeleteRole", role_arn, delete_role),
    action!("ListRoles", all_roles, list_roles),
    action!(
        "CreateServiceLinkedRole",
        all_roles,
        create_service_linked_role
    ),
];

fn ram_arn(ctx: &Ctx<'_>, relative: &str) -> String {
    format!("acs:ram:*:{}:{relative}", ctx.rampart.account_id())
}

/// The user an action is about: `UserName`, or the calling RAM user itself.
fn target_user(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    match (
        ctx.params.get("UserName").filter(|s| !s.is_empty()),
        ctx.principal,
    ) {
        (Some(n), _) => Ok(n.to_string()),
        (None, Principal::User { user_name, .. }) => Ok(user_name.clone()),
        (None, _) => Err(ApiError::missing("UserName")),
    }
}

fn all_users(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(ram_arn(ctx, "user/*"))
}

fn user_arn(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(ram_arn(ctx, &format!("user/{}", target_user(ctx)?)))
}

fn all_groups(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(ram_arn(ctx, "group/*"))
}

fn group_arn(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(ram_arn(
        ctx,
        &format!("group/{}", ctx.params.required("GroupName")?),
    ))
}

fn field<T: Serialize>(name: &str, v: T) -> Result<Output, ApiError> {
    let mut m = Map::new();
    m.insert(
        name.into(),
        serde_json::to_value(v).map_err(ApiError::internal)?,
    );
    Ok(m)
}

fn empty() -> Result<Output, ApiError> {
    Ok(Map::new())
}

/// `{Outer: {Inner: [...]}, IsTruncated, Marker?}`
fn page<T: Serialize>(outer: &str, inner: &str, p: Page<T>) -> Result<Output, ApiError> {
    let mut m = Map::new();
    let items = serde_json::to_value(p.items).map_err(ApiError::internal)?;
    m.insert(outer.into(), json!({ inner: items }));
    m.insert("IsTruncated".into(), Value::Bool(p.next_marker.is_some()));
    if let Some(marker) = p.next_marker {
        m.insert("Marker".into(), Value::String(marker));
    }
    Ok(m)
}

fn list<T: Serialize>(outer: &str, inner: &str, items: Vec<T>) -> Result<Output, ApiError> {
    let items = serde_json::to_value(items).map_err(ApiError::internal)?;
    let mut m = Map::new();
    m.insert(outer.into(), json!({ inner: items }));
    Ok(m)
}

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
    field("User", ctx.rampart.get_user(&target_user(ctx)?)?)
}

fn update_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let u = ctx.rampart.update_user(UpdateUser {
        user_name: target_user(ctx)?,
        new_user_name: p.opt("NewUserName").filter(|s| !s.is_empty()),
        new_display_name: p.opt("NewDisplayName").filter(|s| !s.is_empty()),
        new_mobile_phone: p.opt("NewMobilePhone"),
        new_email: p.opt("NewEmail"),
        new_comments: p.opt("NewComments"),
    })?;
    field("User", u)
}

fn delete_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart.delete_user(ctx.params.required("UserName")?)?;
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

fn create_access_key(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field(
        "AccessKey",
        ctx.rampart.create_access_key(&target_user(ctx)?)?,
    )
}

fn list_access_keys(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    list(
        "AccessKeys",
        "AccessKey",
        ctx.rampart.list_access_keys(&target_user(ctx)?)?,
    )
}

fn update_access_key(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    ctx.rampart.update_access_key(
        &target_user(ctx)?,
        p.required("UserAccessKeyId")?,
        p.required("Status")?,
    )?;
    empty()
}

fn delete_access_key(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart
        .delete_access_key(&target_user(ctx)?, ctx.params.required("UserAccessKeyId")?)?;
    empty()
}

fn get_access_key_last_used(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let last = ctx
        .rampart
        .access_key_last_used(&target_user(ctx)?, ctx.params.required("UserAccessKeyId")?)?;
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
    })?;
    field("Group", g)
}

fn get_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field(
        "Group",
        ctx.rampart.get_group(ctx.params.required("GroupName")?)?,
    )
}

fn update_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let g = ctx.rampart.update_group(UpdateGroup {
        group_name: p.required("GroupName")?.to_string(),
        new_group_name: p.opt("NewGroupName").filter(|s| !s.is_empty()),
        new_comments: p.opt("NewComments"),
    })?;
    field("Group", g)
}

fn delete_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart
        .delete_group(ctx.params.required("GroupName")?)?;
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

fn add_user_to_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    ctx.rampart
        .add_user_to_group(p.required("UserName")?, p.required("GroupName")?)?;
    empty()
}

fn remove_user_from_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    ctx.rampart
        .remove_user_from_group(p.required("UserName")?, p.required("GroupName")?)?;
    empty()
}

fn list_groups_for_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    list(
        "Groups",
        "Group",
        ctx.rampart.list_groups_for_user(&target_user(ctx)?)?,
    )
}

fn list_users_for_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    page(
        "Users",
        "User",
        ctx.rampart.list_users_for_group(
            p.required("GroupName")?,
            p.get("Marker"),
            p.u32("MaxItems")?,
        )?,
    )
}

fn login_input(ctx: &Ctx<'_>) -> Result<LoginProfileInput, ApiError> {
    let p = ctx.params;
    Ok(LoginProfileInput {
        user_name: target_user(ctx)?,
        password: p.opt("Password").filter(|s| !s.is_empty()).map(Into::into),
        password_reset_required: p.bool("PasswordResetRequired")?,
        mfa_bind_required: p.bool("MFABindRequired")?,
    })
}

fn create_login_profile(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field(
        "LoginProfile",
        ctx.rampart.create_login_profile(login_input(ctx)?)?,
    )
}

fn get_login_profile(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field(
        "LoginProfile",
        ctx.rampart.get_login_profile(&target_user(ctx)?)?,
    )
}

fn update_login_profile(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field(
        "LoginProfile",
        ctx.rampart.update_login_profile(login_input(ctx)?)?,
    )
}

fn delete_login_profile(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart.delete_login_profile(&target_user(ctx)?)?;
    empty()
}

fn all_policies(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(ram_arn(ctx, "policy/*"))
}

fn policy_type_param(ctx: &Ctx<'_>) -> Result<PolicyType, ApiError> {
    parse_policy_type(
        ctx.params
            .get("PolicyType")
            .filter(|s| !s.is_empty())
            .unwrap_or("Custom"),
    )
}

/// `acs:ram:*:<uid>:policy/<name>`, or with `system` for system policies.
fn policy_arn_of(ctx: &Ctx<'_>, ptype: PolicyType, name: &str) -> String {
    match ptype {
        PolicyType::System => format!("acs:ram:*:system:policy/{name}"),
        PolicyType::Custom => ram_arn(ctx, &format!("policy/{name}")),
    }
}

fn policy_arn(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(policy_arn_of(
        ctx,
        policy_type_param(ctx)?,
        ctx.params.required("PolicyName")?,
    ))
}

fn all_roles(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(ram_arn(ctx, "role/*"))
}

fn role_arn(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(ram_arn(
        ctx,
        &format!("role/{}", ctx.params.required("RoleName")?),
    ))
}

fn create_policy(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let v = ctx.rampart.create_policy(
        p.required("PolicyName")?,
        p.required("PolicyDocument")?,
        p.get("Description"),
    )?;
    let mut m = field("Policy", &v)?;
    if let Some(Value::Object(pol)) = m.get_mut("Policy") {
        pol.remove("AttachmentCount");
        pol.remove("UpdateDate");
    }
    Ok(m)
}

fn get_policy(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let (policy, version) = ctx
        .rampart
        .get_policy(p.required("PolicyName")?, policy_type_param(ctx)?)?;
    let mut m = field("Policy", policy)?;
    m.extend(field("DefaultPolicyVersion", version)?);
    Ok(m)
}

fn delete_policy(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    ctx.rampart.delete_policy(
        p.required("PolicyName")?,
        p.bool("CascadingDelete")?.unwrap_or(false),
    )?;
    empty()
}

fn list_policies(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
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
        p.required("PolicyName")?,
        p.get("NewDescription").unwrap_or_default(),
    )?;
    field("Policy", v)
}

fn create_policy_version(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let v = ctx.rampart.create_policy_version(
        p.required("PolicyName")?,
        p.required("PolicyDocument")?,
        p.bool("SetAsDefault")?.unwrap_or(false),
        p.get("RotateStrategy"),
    )?;
    field("PolicyVersion", v)
}

fn get_policy_version(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let v = ctx.rampart.get_policy_version(
        p.required("PolicyName")?,
        policy_type_param(ctx)?,
        p.required("VersionId")?,
    )?;
    field("PolicyVersion", v)
}

fn delete_policy_version(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    ctx.rampart
        .delete_policy_version(p.required("PolicyName")?, p.required("VersionId")?)?;
    empty()
}

fn list_policy_versions(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    list(
        "PolicyVersions",
        "PolicyVersion",
        ctx.rampart
            .list_policy_versions(p.required("PolicyName")?, policy_type_param(ctx)?)?,
    )
}

fn set_default_policy_version(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    ctx.rampart
        .set_default_policy_version(p.required("PolicyName")?, p.required("VersionId")?)?;
    empty()
}

/// Attach/detach: the principal's resource is checked by the table; the
/// policy's resource is checked here too.
fn attachment(ctx: &Ctx<'_>, kind: PrincipalKind, attach: bool) -> Result<Output, ApiError> {
    let p = ctx.params;
    let ptype = parse_policy_type(p.required("PolicyType")?)?;
    let name = p.required("PolicyName")?;
    let (param, verb) = match (kind, attach) {
        (PrincipalKind::User, true) => ("UserName", "AttachPolicyToUser"),
        (PrincipalKind::User, false) => ("UserName", "DetachPolicyFromUser"),
        (PrincipalKind::Group, true) => ("GroupName", "AttachPolicyToGroup"),
        (PrincipalKind::Group, false) => ("GroupName", "DetachPolicyFromGroup"),
        (PrincipalKind::Role, true) => ("RoleName", "AttachPolicyToRole"),
        (PrincipalKind::Role, false) => ("RoleName", "DetachPolicyFromRole"),
    };
    ctx.authorize(&format!("ram:{verb}"), &policy_arn_of(ctx, ptype, name))?;
    let principal = p.required(param)?;
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
            .list_policies_for(PrincipalKind::User, &target_user(ctx)?)?,
    )
}

fn list_policies_for_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    list(
        "Policies",
        "Policy",
        ctx.rampart
            .list_policies_for(PrincipalKind::Group, ctx.params.required("GroupName")?)?,
    )
}

fn list_policies_for_role(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    list(
        "Policies",
        "Policy",
        ctx.rampart
            .list_policies_for(PrincipalKind::Role, ctx.params.required("RoleName")?)?,
    )
}

fn list_entities_for_policy(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let e = ctx
        .rampart
        .list_entities_for_policy(ctx.params.required("PolicyName")?, policy_type_param(ctx)?)?;
    let mut m = Map::new();
    m.insert("Users".into(), json!({ "User": e.users }));
    m.insert("Groups".into(), json!({ "Group": e.groups }));
    m.insert("Roles".into(), json!({ "Role": e.roles }));
    Ok(m)
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
    let mut m = field("Role", v)?;
    if !full {
        if let Some(Value::Object(r)) = m.get_mut("Role") {
            r.remove("RolePrincipalName");
            r.remove("IsServiceLinkedRole");
        }
    }
    Ok(m)
}

fn create_role(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let v = ctx.rampart.create_role(CreateRole {
        role_name: p.required("RoleName")?.to_string(),
        assume_role_policy_document: p.required("AssumeRolePolicyDocument")?.to_string(),
        description: p.opt("Description"),
        max_session_duration: i64_param(ctx, "MaxSessionDuration")?,
    })?;
    role_field(v, false)
}

fn get_role(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    role_field(
        ctx.rampart.get_role(ctx.params.required("RoleName")?)?,
        true,
    )
}

fn update_role(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let v = ctx.rampart.update_role(UpdateRole {
        role_name: p.required("RoleName")?.to_string(),
        new_assume_role_policy_document: p
            .opt("NewAssumeRolePolicyDocument")
            .filter(|s| !s.is_empty()),
        new_max_session_duration: i64_param(ctx, "NewMaxSessionDuration")?,
        new_description: p.opt("NewDescription"),
    })?;
    role_field(v, true)
}

fn delete_role(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart.delete_role(ctx.params.required("RoleName")?)?;
    empty()
}

fn list_roles(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
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
