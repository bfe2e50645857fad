//! STS (2015-04-01): AssumeRole, GetCallerIdentity, and session credentials.
//!
//! Session credentials are stateless: the `SecurityToken` is an AES-256-GCM
//! blob, sealed under the keyring's session-token key, that carries the
//! session (role, session name, expiry, session policy) and its AccessKey
//! secret. Replicas sharing the master key accept each other's tokens; a
//! changed byte fails authentication.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rampart_crypto::{open, random_alnum, seal, Purpose, SecretString};
use rampart_policy::{evaluate_trust, parse, Context, DocumentKind};
use serde::{Deserialize, Serialize};

use crate::account::ResolvedKey;
use crate::ram::policies::policy_error;
use crate::time::format as ts;
use crate::{ApiError, Principal, Rampart};

const TOKEN_AAD: &[u8] = b"rampart/sts-token/v1";

#[derive(Serialize, Deserialize)]
struct TokenBody {
    ak: String,
    sk: String,
    acct: String,
    rid: String,
    rn: String,
    sn: String,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pol: Option<String>,
    /// When the console logon the session was assumed from proved an MFA
    /// code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mfa: Option<i64>,
}

/// Temporary credentials returned by AssumeRole.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Credentials {
    /// `STS.` + 24 characters.
    pub access_key_id: String,
    /// The secret.
    pub access_key_secret: String,
    /// The opaque token to send with every request.
    pub security_token: String,
    /// `YYYY-MM-DDThh:mm:ssZ`.
    pub expiration: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// `AssumedRoleUser` of the AssumeRole response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumedRoleUser {
    /// `acs:ram::<uid>:role/<role>/<session>`.
    pub arn: String,
    /// `<RoleId>:<session>`.
    pub assumed_role_id: String,
}

/// `AssumeRole` input (the role itself is resolved and authorized first).
#[derive(Debug, Default)]
pub struct AssumeRole {
    /// 2–64 of `[A-Za-z0-9.@_-]`.
    pub role_session_name: String,
    /// 900..=MaxSessionDuration (default 3600).
    pub duration_seconds: Option<i64>,
    /// A session policy that narrows the role's rights.
    pub policy: Option<String>,
}

/// Parses `acs:ram::<uid>:role/<name>` into the role name.
pub fn role_name_from_arn<'a>(account_id: &str, arn: &'a str) -> Result<&'a str, ApiError> {
    let bad = || {
        ApiError::of(crate::codes::INVALID_PARAMETER_ROLE_ARN,
            format!("The parameter RoleArn is wrongly formed: `{arn}` must look like `acs:ram::<account id>:role/<role name>`."),
        )
    };
    let rest = arn.strip_prefix("acs:ram::").ok_or_else(bad)?;
    let (acct, name) = rest.split_once(":role/").ok_or_else(bad)?;
    if name.is_empty() || name.contains('/') || acct.is_empty() {
        return Err(bad());
    }
    if acct != account_id {
        return Err(ApiError::of(
            crate::codes::ENTITY_NOT_EXIST_ROLE,
            format!(
                "The specified Role not exists: account `{acct}` is not this server's account."
            ),
        ));
    }
    Ok(name)
}

/// A `RoleSessionName`: 2–64 of `[A-Za-z0-9.@_-]`.
pub(crate) fn check_session_name(n: &str) -> Result<(), ApiError> {
    let ok = (2..=64).contains(&n.chars().count())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".@_-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::of(crate::codes::INVALID_PARAMETER_ROLE_SESSION_NAME,
            format!("The parameter RoleSessionName is wrongly formed: `{n}` must be 2 to 64 letters, digits, `.`, `@`, `_` or `-`."),
        ))
    }
}

fn sts_not_exist() -> ApiError {
    ApiError::of(
        crate::codes::ENTITY_NOT_EXIST_ROLE,
        "The specified Role not exists.",
    )
}

fn trust_denied(caller: &Principal, role: &str, why: &str) -> ApiError {
    ApiError::of(crate::codes::NO_PERMISSION,
        format!(
            "You are not authorized to do this action. You should be authorized by RAM. (the trust policy of role `{role}` does not admit `{}`: {why})",
            caller.arn()
        ),
    )
}

impl Rampart {
    /// AssumeRole of `role` (as stored) for a caller whose identity policy
    /// already allows `sts:AssumeRole` on it: checks the trust policy and
    /// mints credentials.
    pub fn assume_role(
        &self,
        caller: &Principal,
        role: &rampart_store::RoleRow,
        req: AssumeRole,
        context: &Context,
    ) -> Result<(Credentials, AssumedRoleUser), ApiError> {
        check_session_name(&req.role_session_name)?;
        let duration = req.duration_seconds.unwrap_or(3600);
        if duration < 900 || duration > role.max_session_duration {
            return Err(ApiError::of(crate::codes::INVALID_PARAMETER_DURATION_SECONDS,
                format!(
                    "The DurationSeconds is invalid: {duration} must be between 900 and the role's MaxSessionDuration {}.",
                    role.max_session_duration
                ),
            ));
        }
        if let Some(p) = &req.policy {
            parse(p, DocumentKind::Session).map_err(policy_error)?;
        }
        let trust = self
            .policy_cache
            .get(DocumentKind::Trust, &role.trust_policy)?;
        let decision = evaluate_trust(&trust, &caller.as_caller(), "sts:AssumeRole", context);
        if !decision.is_allowed() {
            return Err(trust_denied(caller, &role.role_name, &decision.explain()));
        }
        let creds = self.mint(
            role,
            &req.role_session_name,
            duration,
            req.policy,
            caller.mfa_at(),
        )?;
        Ok((
            creds,
            AssumedRoleUser {
                arn: format!(
                    "{}/{}",
                    self.role_arn(&role.role_name),
                    req.role_session_name
                ),
                assumed_role_id: format!("{}:{}", role.role_id, req.role_session_name),
            },
        ))
    }

    /// Mints a role session that no console logon with MFA opened.
    pub(crate) fn mint_session(
        &self,
        role: &rampart_store::RoleRow,
        session: &str,
        duration: i64,
        policy: Option<String>,
    ) -> Result<Credentials, ApiError> {
        self.mint(role, session, duration, policy, None)
    }

    fn mint(
        &self,
        role: &rampart_store::RoleRow,
        session: &str,
        duration: i64,
        policy: Option<String>,
        mfa: Option<i64>,
    ) -> Result<Credentials, ApiError> {
        let exp = self.now() + duration;
        let ak = format!("STS.{}", random_alnum(24));
        let sk = random_alnum(40);
        let body = TokenBody {
            ak: ak.clone(),
            sk: sk.clone(),
            acct: self.account_id.clone(),
            rid: role.role_id.clone(),
            rn: role.role_name.clone(),
            sn: session.to_string(),
            exp,
            pol: policy,
            mfa,
        };
        let json = zeroize::Zeroizing::new(serde_json::to_vec(&body).map_err(ApiError::internal)?);
        let token = seal(self.keyring.key(Purpose::SessionToken), &json, TOKEN_AAD);
        Ok(Credentials {
            access_key_id: ak,
            access_key_secret: sk,
            security_token: format!("CAIS{}", STANDARD.encode(token)),
            expiration: ts(exp),
        })
    }

    /// Resolves STS credentials (an `STS.` AccessKeyId and its token).
    pub fn resolve_session(
        &self,
        access_key_id: &str,
        token: Option<&str>,
    ) -> Result<ResolvedKey, ApiError> {
        let token = token.filter(|t| !t.is_empty()).ok_or_else(|| {
            ApiError::of(crate::codes::MISSING_SECURITY_TOKEN,
                "The input parameter \"SecurityToken\" that is mandatory for STS credentials is not supplied (V1: `SecurityToken` parameter; V3: `x-acs-security-token` header).",
            )
        })?;
        let malformed = || {
            ApiError::of(
                crate::codes::INVALID_SECURITY_TOKEN_MALFORMED,
                "Specified SecurityToken is malformed.",
            )
        };
        let blob = token
            .strip_prefix("CAIS")
            .and_then(|b| STANDARD.decode(b).ok())
            .ok_or_else(malformed)?;
        let plain = zeroize::Zeroizing::new(
            open(self.keyring.key(Purpose::SessionToken), &blob, TOKEN_AAD)
                .map_err(|_| malformed())?,
        );
        let body: TokenBody = serde_json::from_slice(&plain).map_err(|_| malformed())?;
        if body.ak != access_key_id {
            return Err(ApiError::of(
                crate::codes::INVALID_SECURITY_TOKEN_MISMATCH_WITH_ACCESS_KEY,
                "Specified SecurityToken mismatches the AccessKeyId.",
            ));
        }
        if body.acct != self.account_id {
            return Err(malformed());
        }
        if body.exp <= self.now() {
            return Err(ApiError::of(
                crate::codes::INVALID_SECURITY_TOKEN_EXPIRED,
                format!("Specified SecurityToken is expired (at {}).", ts(body.exp)),
            ));
        }
        Ok(ResolvedKey {
            principal: Principal::AssumedRole {
                account_id: body.acct,
                role_id: body.rid,
                role_name: body.rn,
                session_name: body.sn,
                access_key_id: body.ak,
                session_policy: body.pol,
                expires_at: body.exp,
                mfa_at: body.mfa,
            },
            secret: SecretString::new(body.sk),
            active: true,
            last_used_at: Some(i64::MAX),
        })
    }

    /// A cloud service (such as `kms.aliyuncs.com`) assumes a role of the
    /// account through the role's trust policy, as STS would for any caller.
    /// The session's rights are the role's policies.
    pub fn assume_role_as_service(
        &self,
        service: &str,
        role_name: &str,
        session: &str,
    ) -> Result<Principal, ApiError> {
        let role = self
            .store
            .get_role(role_name)
            .map_err(crate::ram::store_err)?
            .ok_or_else(sts_not_exist)?;
        let trust = self
            .policy_cache
            .get(DocumentKind::Trust, &role.trust_policy)?;
        let decision = evaluate_trust(
            &trust,
            &rampart_policy::Caller::Service { name: service },
            "sts:AssumeRole",
            &Context::new(),
        );
        if !decision.is_allowed() {
            return Err(ApiError::of(crate::codes::NO_PERMISSION,
                format!("The trust policy of role `{role_name}` does not admit the service `{service}`: {}", decision.explain()),
            ));
        }
        Ok(Principal::AssumedRole {
            account_id: self.account_id.clone(),
            role_id: role.role_id,
            role_name: role.role_name,
            session_name: session.to_string(),
            access_key_id: String::new(),
            session_policy: None,
            expires_at: self.now() + 3600,
            mfa_at: None,
        })
    }
}
