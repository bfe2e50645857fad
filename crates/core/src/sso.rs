//! Console single sign-on with a SAML IdP.
//!
//! - **Role-based SSO** (`/console/saml-role/sso`): the IdP posts a
//!   `SAMLResponse`; its issuer names one of the account's SAML providers,
//!   whose metadata verifies it; its `Role` attribute lists the roles (with
//!   that provider) the person may act as, each admitted by the role's trust
//!   policy like `AssumeRoleWithSAML`. The console then acts as a session of
//!   the chosen role.
//! - **User-based SSO** (`/console/saml/sso`), set with IMS
//!   `SetUserSsoSettings`: the `NameID` is a RAM user's logon name
//!   (`<user>@<account id or alias>.onaliyun.com`, the auxiliary domain, or
//!   the bare name when `SsoLoginWithDomain` is false); the console acts as
//!   that user.
//!
//! Either way the response is accepted once, and the session rests on no
//! password: it stands while its role (or its user, and user-based SSO)
//! does.

use rampart_federation::saml;
use rampart_policy::Context;
use rampart_store::{ProviderKind, RoleRow};
use serde::{Deserialize, Serialize};

use crate::console::ConsoleLogon;
use crate::federation::{checked_metadata, saml_error, saml_invalid, SamlConfig};
use crate::{ApiError, Principal, Rampart};

/// The store setting holding the user-based SSO settings.
const SETTING: &str = "user_sso";

/// The user-based SSO settings (IMS `Get`/`SetUserSsoSettings`).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserSsoSettings {
    /// Whether user-based SSO is on.
    pub sso_enabled: bool,
    /// The IdP's metadata (Base64).
    pub metadata_document: String,
    /// `rsa-sha1` or `rsa-sha256`.
    pub authn_sign_algo: String,
    /// A domain the `NameID` may carry instead of the default domain.
    pub auxiliary_domain: String,
    /// Whether the `NameID` must carry a domain (`user@domain`).
    pub sso_login_with_domain: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Stored {
    enabled: bool,
    metadata: String,
    algo: String,
    auxiliary_domain: String,
    with_domain: bool,
    entity_id: String,
}

/// `SetUserSsoSettings` input (absent fields keep their values).
#[derive(Debug, Default)]
pub struct SetUserSso {
    /// `SsoEnabled`.
    pub sso_enabled: Option<bool>,
    /// `MetadataDocument` (Base64).
    pub metadata_document: Option<String>,
    /// `AuthnSignAlgo`.
    pub authn_sign_algo: Option<String>,
    /// `AuxiliaryDomain`.
    pub auxiliary_domain: Option<String>,
    /// `SsoLoginWithDomain`.
    pub sso_login_with_domain: Option<bool>,
}

/// The roles a role-SSO response lets its person choose from.
#[derive(Debug)]
pub struct SsoRoles {
    /// The roles, each admitted by its trust policy.
    pub roles: Vec<RoleRow>,
    /// The session name (`RoleSessionName` attribute).
    pub session_name: String,
    /// How long the session lasts (`SessionDuration`, within each role's
    /// maximum; 1 hour by default), seconds.
    pub duration: i64,
    /// The provider's ARN.
    pub provider_arn: String,
    /// The person (`NameID`).
    pub subject: String,
}

fn stored_view(s: &Stored) -> UserSsoSettings {
    UserSsoSettings {
        sso_enabled: s.enabled,
        metadata_document: s.metadata.clone(),
        authn_sign_algo: s.algo.clone(),
        auxiliary_domain: s.auxiliary_domain.clone(),
        sso_login_with_domain: s.with_domain,
    }
}

impl Rampart {
    fn user_sso(&self) -> Result<Stored, ApiError> {
        match self
            .store
            .get_setting(SETTING)
            .map_err(ApiError::internal)?
        {
            Some(text) => serde_json::from_str(&text).map_err(ApiError::internal),
            None => Ok(Stored {
                algo: "rsa-sha1".into(),
                with_domain: true,
                ..Default::default()
            }),
        }
    }

    /// `GetUserSsoSettings`.
    pub fn user_sso_settings(&self) -> Result<UserSsoSettings, ApiError> {
        Ok(stored_view(&self.user_sso()?))
    }

    /// `SetUserSsoSettings`: a metadata document is checked now; SSO can
    /// be enabled only with one.
    pub fn set_user_sso_settings(&self, req: SetUserSso) -> Result<UserSsoSettings, ApiError> {
        let mut s = self.user_sso()?;
        if let Some(m) = req.metadata_document.filter(|m| !m.is_empty()) {
            (s.metadata, s.entity_id) = checked_metadata("MetadataDocument", &m)?;
        }
        if let Some(a) = req.authn_sign_algo.filter(|a| !a.is_empty()) {
            if saml::SignAlgo::from_name(&a).is_none() {
                return Err(ApiError::invalid(
                    "AuthnSignAlgo",
                    "The parameter \"AuthnSignAlgo\" is not valid: `rsa-sha1` or `rsa-sha256`.",
                ));
            }
            s.algo = a;
        }
        if let Some(d) = req.auxiliary_domain {
            let ok = d.is_empty()
                || (d.len() <= 128
                    && d.contains('.')
                    && d.split('.').all(|l| {
                        !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    }));
            if !ok {
                return Err(ApiError::invalid(
                    "AuxiliaryDomain",
                    "The parameter \"AuxiliaryDomain\" is not valid: a domain name such as `example.com`.",
                ));
            }
            s.auxiliary_domain = d.to_ascii_lowercase();
        }
        if let Some(w) = req.sso_login_with_domain {
            s.with_domain = w;
        }
        if let Some(e) = req.sso_enabled {
            if e && s.metadata.is_empty() {
                return Err(ApiError::invalid(
                    "MetadataDocument",
                    "The parameter \"MetadataDocument\" is needed to enable user-based SSO: give the IdP's metadata (Base64).",
                ));
            }
            s.enabled = e;
        }
        let text = serde_json::to_string(&s).map_err(ApiError::internal)?;
        self.store
            .put_setting(SETTING, Some(&text), self.now())
            .map_err(ApiError::internal)?;
        Ok(stored_view(&s))
    }

    /// Role-based SSO: the roles a `SAMLResponse` posted to the console's
    /// ACS (`acs_urls`: the URLs it may name as its recipient) lets its
    /// person act as. The response is accepted once.
    pub fn console_role_sso(
        &self,
        response_b64: &str,
        acs_urls: &[&str],
    ) -> Result<SsoRoles, ApiError> {
        // The claimed issuer only chooses which provider's metadata checks
        // the response; everything used comes from the verified assertion.
        let issuer = saml::peek_issuer(response_b64)
            .ok_or_else(|| saml_invalid("it is no SAML response the console can read"))?;
        let marker: Option<String> = None;
        let providers = self
            .store
            .list_providers(ProviderKind::Saml, marker.as_deref(), 1000)
            .map_err(ApiError::internal)?;
        let (name, config) = providers
            .iter()
            .find_map(|p| {
                let c: SamlConfig = serde_json::from_str(&p.config).ok()?;
                (c.entity_id == issuer).then(|| (p.name.clone(), c))
            })
            .ok_or_else(|| saml_invalid("its issuer is no SAML provider of this account"))?;
        let provider_arn = self.saml_provider_arn(&name);
        let verified = self.verify_saml(&config, response_b64, acs_urls)?;
        let session_name = verified
            .role_session_name()
            .map_err(saml_error)?
            .to_string();
        crate::sts::check_session_name(&session_name)?;
        let mut roles = Vec::new();
        for (role_arn, provider) in verified.role_pairs() {
            if provider != provider_arn {
                continue;
            }
            let Ok(role) = self.federated_role(&role_arn) else {
                continue;
            };
            let mut context = Context::new();
            context.set("saml:recipient", vec![verified.recipient.clone()]);
            context.set("saml:sub", vec![verified.name_id.clone()]);
            context.set("saml:iss", vec![verified.issuer.clone()]);
            if self.federated_trust(&role, &provider_arn, context).is_ok()
                && !roles.iter().any(|r: &RoleRow| r.role_id == role.role_id)
            {
                roles.push(role);
            }
        }
        if roles.is_empty() {
            return Err(ApiError::of(crate::codes::AUTHENTICATION_FAIL_NO_PERMISSION,
                "There is no permission: no role the response lists admits this provider (its Role attribute, and each role's trust policy).",
            ));
        }
        self.accept_once(&name, &verified.id, verified.not_on_or_after)?;
        let duration = verified
            .attribute(saml::SESSION_DURATION_ATTRIBUTE)
            .and_then(|v| v.first())
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(3600)
            .clamp(900, 12 * 3600);
        Ok(SsoRoles {
            roles,
            session_name,
            duration,
            provider_arn,
            subject: verified.name_id,
        })
    }

    /// The console logon of a role chosen from [`Self::console_role_sso`].
    pub fn console_role_logon(
        &self,
        role: &RoleRow,
        session_name: &str,
        duration: i64,
    ) -> ConsoleLogon {
        let expires_at = self.now() + duration.min(role.max_session_duration).max(900);
        ConsoleLogon::sso(
            Principal::AssumedRole {
                account_id: self.account_id.clone(),
                role_id: role.role_id.clone(),
                role_name: role.role_name.clone(),
                session_name: session_name.to_string(),
                access_key_id: String::new(),
                session_policy: None,
                expires_at,
                mfa_at: None,
            },
            expires_at,
        )
    }

    /// User-based SSO: the RAM user a `SAMLResponse` posted to the
    /// console's ACS names. The response is accepted once.
    pub fn console_user_sso(
        &self,
        response_b64: &str,
        acs_urls: &[&str],
    ) -> Result<ConsoleLogon, ApiError> {
        let s = self.user_sso()?;
        if !s.enabled {
            return Err(ApiError::of(
                crate::codes::INVALID_LOGIN_SSO_DISABLED,
                "User-based SSO is not enabled for this account (SetUserSsoSettings).",
            ));
        }
        let config = SamlConfig {
            metadata: s.metadata.clone(),
            authn_sign_algo: s.algo.clone(),
            entity_id: s.entity_id.clone(),
        };
        let sp = [
            format!("https://signin.aliyun.com/{}/saml/SSO", self.account_id),
            format!(
                "https://signin.alibabacloud.com/{}/saml/SSO",
                self.account_id
            ),
        ];
        let audiences: Vec<&str> = sp.iter().map(String::as_str).collect();
        let verified = self.verify_saml_for(&config, response_b64, &audiences, acs_urls)?;
        let user_name = self.sso_user_name(&s, &verified.name_id)?;
        let user = self
            .store
            .get_user(&user_name)
            .map_err(ApiError::internal)?
            .ok_or_else(|| saml_invalid("its NameID names no RAM user of this account"))?;
        self.accept_once("user-sso", &verified.id, verified.not_on_or_after)?;
        let pref = self.security_preference()?;
        let expires_at = self.now() + i64::from(pref.login_session_duration.clamp(1, 24)) * 3600;
        Ok(ConsoleLogon::sso(
            Principal::User {
                account_id: self.account_id.clone(),
                user_id: user.user_id,
                user_name: user.user_name,
                access_key_id: String::new(),
                mfa_at: None,
            },
            expires_at,
        ))
    }

    /// The user a `NameID` names under the settings' domain rule.
    fn sso_user_name(&self, s: &Stored, name_id: &str) -> Result<String, ApiError> {
        let bad = || saml_invalid("its NameID is not a logon name of this account");
        if !s.with_domain {
            return if name_id.contains('@') {
                Err(bad())
            } else {
                Ok(name_id.to_string())
            };
        }
        let (user, domain) = name_id.rsplit_once('@').ok_or_else(bad)?;
        let domain = domain.to_ascii_lowercase();
        let mut ours = vec![format!("{}.onaliyun.com", self.account_id)];
        if let Some(alias) = self.alias_set()? {
            ours.push(format!("{alias}.onaliyun.com"));
        }
        if !s.auxiliary_domain.is_empty() {
            ours.push(s.auxiliary_domain.clone());
        }
        if ours.contains(&domain) {
            Ok(user.to_string())
        } else {
            Err(bad())
        }
    }

    /// Whether a console session opened by SSO still stands: its role (the
    /// same role id), or its user (the same user id) while user-based SSO
    /// stays enabled.
    pub(crate) fn sso_session_valid(&self, principal: &Principal) -> Result<bool, ApiError> {
        match principal {
            Principal::AssumedRole {
                role_id, role_name, ..
            } => Ok(self
                .store
                .get_role(role_name)
                .map_err(ApiError::internal)?
                .is_some_and(|r| r.role_id == *role_id)),
            Principal::User {
                user_id, user_name, ..
            } => Ok(self.user_sso()?.enabled
                && self
                    .store
                    .get_user(user_name)
                    .map_err(ApiError::internal)?
                    .is_some_and(|u| u.user_id == *user_id)),
            Principal::Root { .. } => Ok(false),
        }
    }
}

/// How long a person has to choose among the roles of a role-SSO response.
pub const CHOICE_SECS: i64 = 300;

const CHOICE_AAD: &[u8] = b"rampart/sso-role-choice/v1";

/// The roles a person may choose from, sealed so that any replica can take
/// the choice back (and no one can add a role to it).
#[derive(Serialize, Deserialize)]
struct Choice {
    roles: Vec<(String, String)>,
    session: String,
    duration: i64,
    exp: i64,
    nonce: String,
}

impl Rampart {
    /// Seals the roles of a role-SSO response for the person's choice
    /// (valid [`CHOICE_SECS`], usable once).
    pub fn seal_role_choice(&self, r: &SsoRoles) -> Result<String, ApiError> {
        use base64::Engine;
        let c = Choice {
            roles: r
                .roles
                .iter()
                .map(|r| (r.role_id.clone(), r.role_name.clone()))
                .collect(),
            session: r.session_name.clone(),
            duration: r.duration,
            exp: self.now() + CHOICE_SECS,
            nonce: rampart_crypto::random_hex(16),
        };
        let json = serde_json::to_vec(&c).map_err(ApiError::internal)?;
        let sealed = rampart_crypto::seal(
            self.keyring.key(rampart_crypto::Purpose::SessionToken),
            &json,
            CHOICE_AAD,
        );
        Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sealed))
    }

    /// The console logon of the role chosen (by id) from a sealed choice.
    pub fn open_role_choice(&self, token: &str, role_id: &str) -> Result<ConsoleLogon, ApiError> {
        use base64::Engine;
        let bad = || {
            ApiError::of(crate::codes::INVALID_LOGIN_SSO_CHOICE,
                "The choice of role has expired or was used already: sign on at your identity provider again.",
            )
        };
        if token.len() > 8192 {
            return Err(bad());
        }
        let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.as_bytes())
            .map_err(|_| bad())?;
        let json = rampart_crypto::open(
            self.keyring.key(rampart_crypto::Purpose::SessionToken),
            &sealed,
            CHOICE_AAD,
        )
        .map_err(|_| bad())?;
        let c: Choice = serde_json::from_slice(&json).map_err(|_| bad())?;
        if c.exp <= self.now() {
            return Err(bad());
        }
        let Some((_, name)) = c.roles.iter().find(|(id, _)| id == role_id) else {
            return Err(bad());
        };
        let role = self
            .store
            .get_role(name)
            .map_err(ApiError::internal)?
            .filter(|r| r.role_id == role_id)
            .ok_or_else(bad)?;
        self.accept_once("console-role-choice", &c.nonce, c.exp)
            .map_err(|_| bad())?;
        Ok(self.console_role_logon(&role, &c.session, c.duration))
    }
}
