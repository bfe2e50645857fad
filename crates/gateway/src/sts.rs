//! STS (2015-04-01) actions.

use rampart_core::authz::AccessRequest;
use rampart_core::federation::{FederatedAssume, OidcTokenInfo, SamlAssertionInfo};
use rampart_core::sts::{AssumeRole, AssumedRoleUser, Credentials};
use rampart_core::{ApiError, Principal};
use serde::Serialize;

use crate::action::{Anonymous, Typed};
use crate::on;
use crate::products::ActionSpec;
use crate::request;
use crate::respond::answers;
use crate::{AnonymousCtx, Ctx, Params};

answers!(
    AssumeRoleAnswer,
    CallerIdentityAnswer,
    OidcSessionAnswer,
    SamlSessionAnswer,
);

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

/// AssumeRoleWithOIDC's answer: the session, and the token it was opened
/// with.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct OidcSessionAnswer {
    credentials: Credentials,
    assumed_role_user: AssumedRoleUser,
    #[serde(rename = "OIDCTokenInfo")]
    oidc_token_info: OidcTokenInfo,
    /// Always empty here.
    source_identity: &'static str,
}

fn assume_role_with_oidc(
    ctx: &AnonymousCtx<'_>,
    r: OidcAssume,
) -> Result<(OidcSessionAnswer, String), ApiError> {
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
    Ok((
        OidcSessionAnswer {
            credentials: s.credentials,
            assumed_role_user: s.assumed_role_user,
            oidc_token_info: s.info,
            source_identity: "",
        },
        s.identity,
    ))
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

/// AssumeRoleWithSAML's answer: the session, and the assertion it was
/// opened with.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SamlSessionAnswer {
    credentials: Credentials,
    assumed_role_user: AssumedRoleUser,
    #[serde(rename = "SAMLAssertionInfo")]
    saml_assertion_info: SamlAssertionInfo,
    /// Always empty here.
    source_identity: &'static str,
}

fn assume_role_with_saml(
    ctx: &AnonymousCtx<'_>,
    r: SamlAssume,
) -> Result<(SamlSessionAnswer, String), ApiError> {
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
    Ok((
        SamlSessionAnswer {
            credentials: s.credentials,
            assumed_role_user: s.assumed_role_user,
            saml_assertion_info: s.info,
            source_identity: "",
        },
        s.identity,
    ))
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

/// AssumeRole's answer: the session's credentials and who it is.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AssumeRoleAnswer {
    credentials: Credentials,
    assumed_role_user: AssumedRoleUser,
}

fn assume_role(
    ctx: &Ctx<'_>,
    on::RoleArn(role): on::RoleArn,
    r: AssumeRoleRequest,
) -> Result<AssumeRoleAnswer, ApiError> {
    let access = AccessRequest {
        action: "sts:AssumeRole",
        resource: "",
        source_ip: ctx.source_ip,
        secure_transport: ctx.secure,
        extra: None,
        resource_policy: None,
    };
    let context = ctx.rampart.context_of(Some(ctx.principal), &access);
    let (credentials, assumed_role_user) = ctx.rampart.assume_role(
        ctx.principal,
        &role,
        AssumeRole {
            role_session_name: r.role_session_name,
            duration_seconds: r.duration_seconds,
            policy: r.policy,
        },
        &context,
    )?;
    Ok(AssumeRoleAnswer {
        credentials,
        assumed_role_user,
    })
}

/// GetCallerIdentity's answer: the account, the ARN, and the identity's
/// kind with its ids (`UserId` for a RAM user, `RoleId` for a role
/// session).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CallerIdentityAnswer {
    account_id: String,
    arn: String,
    identity_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role_id: Option<String>,
    principal_id: String,
}

fn get_caller_identity(ctx: &Ctx<'_>, (): (), (): ()) -> Result<CallerIdentityAnswer, ApiError> {
    let p = ctx.principal;
    let (identity_type, user_id, role_id, principal_id) = match p {
        Principal::Root { account_id, .. } => ("Account", None, None, account_id.clone()),
        Principal::User { user_id, .. } => {
            ("RAMUser", Some(user_id.clone()), None, user_id.clone())
        }
        Principal::AssumedRole {
            role_id,
            session_name,
            ..
        } => (
            "AssumedRoleUser",
            None,
            Some(role_id.clone()),
            format!("{role_id}:{session_name}"),
        ),
    };
    Ok(CallerIdentityAnswer {
        account_id: p.account_id().to_string(),
        arn: p.arn(),
        identity_type,
        user_id,
        role_id,
        principal_id,
    })
}
