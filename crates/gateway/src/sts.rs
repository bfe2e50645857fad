//! STS (2015-04-01) actions.

use rampart_core::authz::AccessRequest;
use rampart_core::federation::{FederatedAssume, FederatedSession};
use rampart_core::sts::AssumeRole;
use rampart_core::{ApiError, Principal};
use serde_json::{Map, Value};

use crate::action::{Anonymous, Typed};
use crate::on;
use crate::products::ActionSpec;
use crate::request;
use crate::{AnonymousCtx, Ctx, Output, Params};

/// The implemented STS actions.
pub static ACTIONS: &[ActionSpec] = &[
    // `sts:AssumeRole` on `acs:ram::<uid>:role/<name as stored>`; it
    // issues credentials, so it counts as a change.
    ActionSpec::write("AssumeRole", &Typed::new(assume_role)),
    // Every authenticated caller may ask who it is.
    ActionSpec::read("GetCallerIdentity", &Typed::new(get_caller_identity)),
    ActionSpec::anonymous("AssumeRoleWithOIDC", &Anonymous::new(assume_role_with_oidc)),
    ActionSpec::anonymous("AssumeRoleWithSAML", &Anonymous::new(assume_role_with_saml)),
];

/// The answer of a federated AssumeRole.
fn session_answer<I: serde::Serialize>(
    info_name: &str,
    s: FederatedSession<I>,
) -> Result<(Output, String), ApiError> {
    let mut out = Map::new();
    out.insert("Credentials".into(), to_value(&s.credentials)?);
    out.insert("AssumedRoleUser".into(), to_value(&s.assumed_role_user)?);
    out.insert(info_name.into(), to_value(&s.info)?);
    out.insert("SourceIdentity".into(), Value::String(String::new()));
    Ok((out.into(), s.identity))
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(ApiError::internal)
}

/// A parameter the federated actions require, with their own error code.
fn required(p: &Params, name: &str, code: &'static str) -> Result<String, ApiError> {
    match p.get(name).filter(|s| !s.is_empty()) {
        Some(v) => Ok(v.to_string()),
        None => Err(ApiError::new(
            400,
            code,
            format!("Parameter {name} is required."),
        )),
    }
}

request! {
    /// `AssumeRoleWithOIDC`.
    struct OidcAssume {
        provider_arn: String = with(|p| required(p, "OIDCProviderArn", "MissingParameter.OIDCProviderArn")),
        role_arn: String = with(|p| required(p, "RoleArn", "MissingParameter.RoleArn")),
        role_session_name: String = with(|p| required(p, "RoleSessionName", "MissingParameter.RoleSessionName")),
        token: String = text("OIDCToken"),
        policy: Option<String> = opt("Policy"),
        duration_seconds: Option<String> = opt("DurationSeconds"),
    }
}

fn assume_role_with_oidc(
    ctx: &AnonymousCtx<'_>,
    r: OidcAssume,
) -> Result<(Output, String), ApiError> {
    let s = ctx.rampart.assume_role_with_oidc(
        r.token.trim(),
        &FederatedAssume {
            provider_arn: r.provider_arn,
            role_arn: r.role_arn,
            role_session_name: Some(r.role_session_name),
            policy: r.policy,
            duration_seconds: r.duration_seconds,
        },
    )?;
    session_answer("OIDCTokenInfo", s)
}

request! {
    /// `AssumeRoleWithSAML`.
    struct SamlAssume {
        provider_arn: String = with(|p| required(p, "SAMLProviderArn", "MissingParameter.SAMLProviderArn")),
        role_arn: String = with(|p| required(p, "RoleArn", "MissingParameter.RoleArn")),
        assertion: String = text("SAMLAssertion"),
        role_session_name: Option<String> = opt("RoleSessionName"),
        policy: Option<String> = opt("Policy"),
        duration_seconds: Option<String> = opt("DurationSeconds"),
    }
}

fn assume_role_with_saml(
    ctx: &AnonymousCtx<'_>,
    r: SamlAssume,
) -> Result<(Output, String), ApiError> {
    let s = ctx.rampart.assume_role_with_saml(
        r.assertion.trim(),
        &FederatedAssume {
            provider_arn: r.provider_arn,
            role_arn: r.role_arn,
            role_session_name: r.role_session_name,
            policy: r.policy,
            duration_seconds: r.duration_seconds,
        },
    )?;
    session_answer("SAMLAssertionInfo", s)
}

request! {
    /// `AssumeRole`.
    struct AssumeRoleRequest {
        duration_seconds: Option<i64> = with(duration_seconds),
        role_session_name: String = required("RoleSessionName"),
        policy: Option<String> = nonempty("Policy"),
    }
}

/// `DurationSeconds`, if given: a whole number of seconds.
fn duration_seconds(p: &Params) -> Result<Option<i64>, ApiError> {
    match p.get("DurationSeconds").filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => Ok(Some(v.parse::<i64>().map_err(|_| {
            ApiError::of(
                rampart_core::codes::INVALID_PARAMETER_DURATION_SECONDS,
                format!("The DurationSeconds is invalid: `{v}` is not a number of seconds."),
            )
        })?)),
    }
}

fn assume_role(
    ctx: &Ctx<'_>,
    on::RoleArn(role): on::RoleArn,
    r: AssumeRoleRequest,
) -> Result<Output, ApiError> {
    let access = AccessRequest {
        action: "sts:AssumeRole",
        resource: "",
        source_ip: ctx.source_ip,
        secure_transport: ctx.secure,
        extra: None,
        resource_policy: None,
    };
    let context = ctx.rampart.context_of(Some(ctx.principal), &access);
    let (creds, user) = ctx.rampart.assume_role(
        ctx.principal,
        &role,
        AssumeRole {
            role_session_name: r.role_session_name,
            duration_seconds: r.duration_seconds,
            policy: r.policy,
        },
        &context,
    )?;
    let mut m = Map::new();
    m.insert(
        "Credentials".into(),
        serde_json::to_value(creds).map_err(ApiError::internal)?,
    );
    m.insert(
        "AssumedRoleUser".into(),
        serde_json::to_value(user).map_err(ApiError::internal)?,
    );
    Ok(m.into())
}

fn get_caller_identity(ctx: &Ctx<'_>, (): (), (): ()) -> Result<Output, ApiError> {
    let p = ctx.principal;
    let mut m = Map::new();
    m.insert(
        "AccountId".into(),
        Value::String(p.account_id().to_string()),
    );
    m.insert("Arn".into(), Value::String(p.arn()));
    match p {
        Principal::Root { account_id, .. } => {
            m.insert("IdentityType".into(), "Account".into());
            m.insert("PrincipalId".into(), Value::String(account_id.clone()));
        }
        Principal::User { user_id, .. } => {
            m.insert("IdentityType".into(), "RAMUser".into());
            m.insert("UserId".into(), Value::String(user_id.clone()));
            m.insert("PrincipalId".into(), Value::String(user_id.clone()));
        }
        Principal::AssumedRole {
            role_id,
            session_name,
            ..
        } => {
            m.insert("IdentityType".into(), "AssumedRoleUser".into());
            m.insert("RoleId".into(), Value::String(role_id.clone()));
            m.insert(
                "PrincipalId".into(),
                Value::String(format!("{role_id}:{session_name}")),
            );
        }
    }
    Ok(m.into())
}
