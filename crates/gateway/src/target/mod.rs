//! What a request acts on, fixed before it is authorized.
//!
//! Each action lists the entities it acts on as [`Sel`]ectors: which
//! parameter names which kind of entity (the table entry takes them from its
//! handler's `on::` types, see [`crate::action`]). Before authorization every
//! selector is resolved to the entity as stored (its canonical name or id;
//! see `rampart_core`'s `resolve` for the name rule), and becomes one or more
//! [`Check`]s: an action on the ARN built from the stored name, with the
//! resource's condition keys (`kms:tag/…`) and resource policy. The resolved
//! [`Target`] is handed on only through [`crate::authorize::Authorized`],
//! which only authorization can make; the handler receives its entities
//! from it, typed, and not the parameters that named them: those are
//! removed from its parameters, so no handler can look a name up again.

use std::sync::Arc;

use rampart_core::kms::crypto::Blob;
use rampart_core::kms::secrets::{SecretAuth, SecretName};
use rampart_core::kms::KeyId;
use rampart_core::ram::policies::parse_policy_type;
use rampart_core::ram::{GroupName, PolicyName, UserName};
use rampart_core::{codes, ApiError, Principal, Rampart};
use rampart_store::{PolicyType, ProviderKind, RoleRow, TagResource};
use serde_json::Value;

use crate::{Params, Product};

/// A fixed resource for actions that list or create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// `acs:ram:*:<uid>:user/*`.
    Users,
    /// `acs:ram:*:<uid>:group/*`.
    Groups,
    /// `acs:ram:*:<uid>:role/*`.
    Roles,
    /// `acs:ram:*:<uid>:policy/*`.
    Policies,
    /// `acs:ram:*:<uid>:*`: the account's RAM settings and diagnostics.
    Account,
    /// `acs:kms:<region>:<uid>:key`.
    Keys,
    /// `acs:kms:<region>:<uid>:secret`.
    Secrets,
    /// `acs:kms:<region>:<uid>:alias`.
    Aliases,
    /// `acs:kms:<region>:<uid>:*`.
    Kms,
    /// `acs:actiontrail:<region>:<uid>:*`.
    Trail,
    /// `acs:ram:*:<uid>:*`: account-wide RAM settings (password policy,
    /// security preference, alias).
    RamAccount,
    /// `acs:ram:*:<uid>:mfa/*`.
    MfaDevices,
}

/// How `PolicyName` selects a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// `PolicyType` is required (attach and detach).
    Typed,
    /// `PolicyType` may be absent, meaning `Custom`.
    DefaultCustom,
    /// The action exists for custom policies only; `PolicyType` is ignored.
    CustomOnly,
}

/// How a request names one thing it acts on.
#[derive(Debug, Clone, Copy)]
pub enum Sel {
    /// A fixed resource (listing, creating).
    Container(Container),
    /// A user by name; with `self_default`, an absent name means the calling
    /// RAM user.
    User {
        /// The parameter.
        param: &'static str,
        /// Whether an absent parameter means the caller.
        self_default: bool,
    },
    /// The calling RAM user itself, named by no parameter (`ChangePassword`);
    /// any other caller is refused.
    Caller,
    /// A virtual MFA device: by `VirtualMFADeviceName` (a new one), or by
    /// `SerialNumber` (`acs:ram::<uid>:mfa/<name>`, an existing one).
    Mfa(&'static str),
    /// A user by IMS `UserPrincipalName` (`<name>@<account id or
    /// alias>.onaliyun.com`); with `self_default`, an absent one means the
    /// calling RAM user.
    Upn {
        /// Whether an absent parameter means the caller.
        self_default: bool,
    },
    /// An IMS user by exactly one of `UserPrincipalName`, `UserId` and
    /// (with `access_key`) `UserAccessKeyId`.
    ImsUser {
        /// Whether `UserAccessKeyId` may name the user.
        access_key: bool,
    },
    /// The users of IMS's tag actions: `ResourceType=user` and
    /// `ResourcePrincipalName.N` or `ResourceId.N` (1 to 50), each
    /// authorized on its own.
    ImsTagged,
    /// A group by name.
    Group(&'static str),
    /// A role by name (any case).
    Role(&'static str),
    /// A role by ARN (`acs:ram::<uid>:role/<name>`), for `sts:AssumeRole`.
    RoleArn(&'static str),
    /// A policy by `PolicyName` (and `PolicyType`).
    Policy(PolicyKind),
    /// A new name an entity is renamed to: authorized like the entity of
    /// that name; an absent or empty parameter is no rename.
    NewUserName(&'static str),
    /// A new group name (see [`Sel::NewUserName`]).
    NewGroupName(&'static str),
    /// A key by id, alias or ARN.
    Key {
        /// The parameter.
        param: &'static str,
        /// A second parameter used when the first is absent.
        fallback: Option<&'static str>,
        /// The action authorized on it, if not the request's own.
        action: Option<&'static str>,
        /// Whether it may be absent (then nothing is checked).
        optional: bool,
    },
    /// The key a `CiphertextBlob` was made under.
    BlobKey(&'static str),
    /// An alias by name; `existing`: it must exist, and the key it points
    /// to is authorized too.
    Alias {
        /// The parameter.
        param: &'static str,
        /// Whether it must exist.
        existing: bool,
    },
    /// A secret by name or ARN; `key_action`: the action authorized on the
    /// customer key that protects its values (reads `kms:Decrypt`, writes
    /// `kms:GenerateDataKey`).
    Secret {
        /// The parameter.
        param: &'static str,
        /// The action on its key, if the call uses the key.
        key_action: Option<&'static str>,
    },
    /// `SecretsList` of `BatchGetSecretValue`: each secret authorized with
    /// `kms:GetSecretValue` and its key with `kms:Decrypt`, each on its own.
    SecretsList,
    /// `KeyId` or `SecretName` (exactly one): the tagged resource.
    Tagged,
    /// `ResourceType` and `ResourceId.N`: keys or secrets.
    TypedResources,
    /// RAM's `ResourceType` (`role` or `policy`) and `ResourceNames` (a JSON
    /// array): each role or custom policy named is a target.
    RamTagged,
    /// The RAM user a RAM secret holds (`ExtendedConfig.UserName` when
    /// `SecretType` is `RAMCredentials`), authorized with `ram:GetUser`.
    RamSecretUser,
    /// The database instance a database secret acts on (`Rds`, `PolarDB`,
    /// `Redis`): from `SecretType` and `ExtendedConfig` when creating, else
    /// from the secret already selected. Authorized with the type's
    /// instance action (`rds:ResetAccountPassword` on
    /// `acs:rds:<region>:<uid>:dbinstance/<id>`, …).
    DbInstance,
    /// An identity provider by name (`acs:ram::<uid>:oidc-provider/<name>`
    /// or `…:saml-provider/<name>`); `existing`: it must exist.
    Provider {
        /// OIDC or SAML.
        kind: ProviderKind,
        /// The parameter.
        param: &'static str,
        /// Whether it must exist.
        existing: bool,
    },
    /// The account's identity providers of a kind (`…:oidc-provider/*`).
    Providers(ProviderKind),
}

mod account;
mod ims;
mod lists;
mod resolved;

pub use lists::resource_type;
use lists::secrets_list;
pub use resolved::{BatchAsk, BatchItem, Entity, Target};

/// What authorizing a check needs of its resource.
#[derive(Debug, Clone, Default)]
pub enum ResourceAuth {
    /// Nothing beyond the request.
    #[default]
    None,
    /// A key's condition keys and key policy.
    Key(Arc<rampart_core::KeyAuth>),
    /// A secret's condition keys and resource policy.
    Secret(Arc<SecretAuth>),
}

/// One thing to authorize: an action on a resource.
#[derive(Debug, Clone)]
pub struct Check {
    /// `<service>:<Action>`.
    pub action: String,
    /// The resource's ARN, from its stored name.
    pub resource: String,
    /// Its condition keys and resource policy.
    pub auth: ResourceAuth,
    /// The batch entry it belongs to (a denial refuses only that entry).
    pub item: Option<usize>,
}

/// A request's resolved target and what must be authorized before it runs.
#[derive(Debug, Default)]
pub struct Plan {
    /// The checks, in order.
    pub checks: Vec<Check>,
    /// What the handler will act on.
    pub target: Target,
    /// The error for a named entity that does not exist, returned once
    /// the request is authorized (so a denial never reveals existence).
    pub missing: Option<ApiError>,
    /// Parameters that selected the target (removed from the handler's).
    pub consumed: Vec<&'static str>,
    /// Parameter prefixes that selected the target (`ResourceId.`).
    pub consumed_prefixes: Vec<&'static str>,
}

/// What resolution needs: the domain, the caller, the request.
pub struct Resolver<'a> {
    /// The domain.
    pub rampart: &'a Rampart,
    /// The caller.
    pub principal: &'a Principal,
    /// All parameters.
    pub params: &'a Params,
    /// The product of the action.
    pub product: Product,
    /// `<service>:<Action>`.
    pub action: &'a str,
}

pub(super) fn nonempty<'p>(params: &'p Params, name: &str) -> Option<&'p str> {
    params.get(name).filter(|s| !s.is_empty())
}

fn entity_missing(code: codes::Code, message: &'static str) -> ApiError {
    ApiError::of(code, message)
}

fn secret_missing() -> ApiError {
    entity_missing(
        codes::FORBIDDEN_RESOURCE_NOT_FOUND,
        "The resource is not found.",
    )
}

fn key_missing() -> ApiError {
    entity_missing(
        codes::FORBIDDEN_KEY_NOT_FOUND,
        "The specified Key is not found.",
    )
}

fn alias_missing() -> ApiError {
    entity_missing(
        codes::FORBIDDEN_ALIAS_NOT_FOUND,
        "The specified Alias is not found.",
    )
}

impl Resolver<'_> {
    fn uid(&self) -> &str {
        self.rampart.account_id()
    }

    fn ram_arn(&self, relative: &str) -> String {
        format!("acs:ram:*:{}:{relative}", self.uid())
    }

    fn kms_arn(&self, relative: &str) -> String {
        format!(
            "acs:kms:{}:{}:{relative}",
            self.rampart.settings().region,
            self.uid()
        )
    }

    fn check(&self, plan: &mut Plan, action: Option<&str>, resource: String, auth: ResourceAuth) {
        plan.checks.push(Check {
            action: action.unwrap_or(self.action).to_string(),
            resource,
            auth,
            item: None,
        });
    }

    fn note_missing(plan: &mut Plan, e: ApiError) {
        if plan.missing.is_none() {
            plan.missing = Some(e);
        }
    }

    /// Resolves every selector of an action. Every selector's parameters
    /// are checked for form first, so that nothing is read for a request
    /// refused for its form.
    pub fn plan(&self, sels: &[Sel]) -> Result<Plan, ApiError> {
        for sel in sels {
            self.check_form(*sel)?;
        }
        let mut plan = Plan::default();
        for sel in sels {
            self.resolve(*sel, &mut plan)?;
        }
        Ok(plan)
    }

    /// The form of a selector's parameters, without reading the store.
    fn check_form(&self, sel: Sel) -> Result<(), ApiError> {
        use rampart_core::ram::{policies::policy_name, roles::role_name, validate as v};
        let p = self.params;
        match sel {
            Sel::Container(_)
            | Sel::NewGroupName(_)
            | Sel::RamSecretUser
            | Sel::DbInstance
            | Sel::SecretsList
            | Sel::Providers(_) => Ok(()),
            Sel::Provider { param, .. } => rampart_core::federation::check_provider_name(
                param,
                p.required(param)?,
            ),
            Sel::Mfa(param) => self.mfa_name(param).map(|_| ()),
            Sel::Upn { self_default } => match (nonempty(p, "UserPrincipalName"), self.principal) {
                (Some(upn), _) => self.upn_user(upn).map(|_| ()),
                (None, Principal::User { .. }) if self_default => Ok(()),
                (None, _) => Err(ApiError::missing("UserPrincipalName")),
            },
            Sel::ImsUser { access_key } => self.ims_user_form(access_key),
            Sel::ImsTagged => self.ims_tagged_refs().map(|_| ()),
            Sel::NewUserName(param) => self.new_user_name(param).map(|_| ()),
            Sel::Caller => match self.principal {
                Principal::User { .. } => Ok(()),
                _ => Err(rampart_core::ram::not_a_user()),
            },
            Sel::User {
                param,
                self_default,
            } => match (nonempty(p, param), self.principal) {
                (Some(n), _) => v::user_name(param, n),
                (None, Principal::User { .. }) if self_default => Ok(()),
                (None, _) => Err(ApiError::missing(param)),
            },
            Sel::Group(param) => v::group_name(param, p.required(param)?),
            Sel::Role(param) => role_name(param, p.required(param)?),
            Sel::RoleArn(param) => {
                rampart_core::sts::role_name_from_arn(self.uid(), p.required(param)?).map(|_| ())
            }
            Sel::Policy(kind) => {
                policy_name("PolicyName", p.required("PolicyName")?)?;
                match kind {
                    PolicyKind::Typed => parse_policy_type(p.required("PolicyType")?).map(|_| ()),
                    PolicyKind::DefaultCustom => match nonempty(p, "PolicyType") {
                        Some(t) => parse_policy_type(t).map(|_| ()),
                        None => Ok(()),
                    },
                    PolicyKind::CustomOnly => Ok(()),
                }
            }
            Sel::Key {
                param,
                fallback,
                optional,
                ..
            } => {
                let given = nonempty(p, param).or_else(|| fallback.and_then(|f| nonempty(p, f)));
                if given.is_none() && !optional {
                    return Err(ApiError::missing(param));
                }
                Ok(())
            }
            Sel::BlobKey(param) => Blob::decode(p.required(param)?).map(|_| ()),
            Sel::Alias { param, .. } => p.required(param).map(|_| ()),
            Sel::Secret { param, .. } => {
                let given = p.required(param)?;
                match self.rampart.secret_name_in(given) {
                    Some(name) => SecretName::parse(name).map(|_| ()),
                    None => Ok(()),
                }
            }
            Sel::Tagged => match (nonempty(p, "KeyId"), nonempty(p, "SecretName")) {
                (Some(_), None) | (None, Some(_)) => Ok(()),
                _ => Err(ApiError::invalid(
                    "KeyId",
                    "The specified parameter \"KeyId\" is not valid: give exactly one of KeyId and SecretName.",
                )),
            },
            Sel::TypedResources => {
                resource_type(p)?;
                p.required("ResourceId.1").map(|_| ())
            }
            Sel::RamTagged => self.ram_tagged_names().map(|_| ()),
        }
    }

    fn resolve(&self, sel: Sel, plan: &mut Plan) -> Result<(), ApiError> {
        match sel {
            Sel::Container(c) => {
                let arn = match c {
                    Container::Users => self.ram_arn("user/*"),
                    Container::Groups => self.ram_arn("group/*"),
                    Container::Roles => self.ram_arn("role/*"),
                    Container::Policies => self.ram_arn("policy/*"),
                    Container::Account => self.ram_arn("*"),
                    Container::Keys => self.kms_arn("key"),
                    Container::Secrets => self.kms_arn("secret"),
                    Container::Aliases => self.kms_arn("alias"),
                    Container::Kms => self.kms_arn("*"),
                    Container::RamAccount => self.ram_arn("*"),
                    Container::MfaDevices => self.ram_arn("mfa/*"),
                    Container::Trail => format!(
                        "acs:actiontrail:{}:{}:*",
                        self.rampart.settings().region,
                        self.uid()
                    ),
                };
                self.check(plan, None, arn, ResourceAuth::None);
            }
            Sel::User {
                param,
                self_default,
            } => {
                plan.consumed.push(param);
                let name = match (nonempty(self.params, param), self.principal) {
                    (Some(n), _) => n,
                    (None, Principal::User { user_name, .. }) if self_default => user_name,
                    (None, _) => return Err(ApiError::missing(param)),
                };
                if let Some(n) = self.user(plan, name, None)? {
                    plan.target.slots.push((param, Entity::User(n)));
                }
            }
            Sel::Upn { .. } => self.resolve_upn(plan)?,
            Sel::Providers(kind) => {
                let arn = match kind {
                    ProviderKind::Oidc => self.rampart.oidc_provider_arn("*"),
                    ProviderKind::Saml => self.rampart.saml_provider_arn("*"),
                };
                self.check(plan, None, arn, ResourceAuth::None);
            }
            Sel::Provider {
                kind,
                param,
                existing,
            } => {
                plan.consumed.push(param);
                let name = self.params.required(param)?;
                let arn = match kind {
                    ProviderKind::Oidc => self.rampart.oidc_provider_arn(name),
                    ProviderKind::Saml => self.rampart.saml_provider_arn(name),
                };
                self.check(plan, None, arn, ResourceAuth::None);
                if existing && !self.rampart.provider_exists(kind, name)? {
                    Self::note_missing(
                        plan,
                        match kind {
                            ProviderKind::Oidc => entity_missing(
                                codes::ENTITY_NOT_EXIST_OIDC_PROVIDER,
                                "The OIDC provider does not exist.",
                            ),
                            ProviderKind::Saml => entity_missing(
                                codes::ENTITY_NOT_EXIST_SAML_PROVIDER,
                                "The SAML provider does not exist.",
                            ),
                        },
                    );
                } else {
                    plan.target
                        .slots
                        .push((param, Entity::Provider(name.to_string())));
                }
            }
            Sel::ImsUser { access_key } => self.resolve_ims_user(access_key, plan)?,
            Sel::ImsTagged => self.resolve_ims_tagged(plan)?,
            Sel::Mfa(param) => self.resolve_mfa(param, plan)?,
            Sel::Caller => self.resolve_caller(plan)?,
            Sel::Group(param) => {
                plan.consumed.push(param);
                let name = self.params.required(param)?;
                let stored = self.rampart.find_group(name)?.map(|g| GroupName::of(&g));
                let arn_name = stored.as_deref().unwrap_or(name);
                self.check(
                    plan,
                    None,
                    self.ram_arn(&format!("group/{arn_name}")),
                    ResourceAuth::None,
                );
                match stored {
                    Some(n) => plan.target.slots.push((param, Entity::Group(n))),
                    None => Self::note_missing(
                        plan,
                        entity_missing(codes::ENTITY_NOT_EXIST_GROUP, "The group does not exist."),
                    ),
                }
            }
            Sel::Role(param) => {
                plan.consumed.push(param);
                let name = self.params.required(param)?;
                let arn_of = |n: &str| self.ram_arn(&format!("role/{n}"));
                if let Some(r) = self.role(plan, name, arn_of)? {
                    plan.target.slots.push((param, Entity::Role(Box::new(r))));
                }
            }
            Sel::RoleArn(param) => {
                plan.consumed.push(param);
                let arn = self.params.required(param)?;
                let name = rampart_core::sts::role_name_from_arn(self.uid(), arn)?;
                let arn_of = |n: &str| self.rampart.role_arn(n);
                if let Some(r) = self.role(plan, name, arn_of)? {
                    plan.target.slots.push((param, Entity::Role(Box::new(r))));
                }
            }
            Sel::Policy(kind) => {
                plan.consumed.push("PolicyName");
                plan.consumed.push("PolicyType");
                let name = self.params.required("PolicyName")?;
                let ptype = match kind {
                    PolicyKind::Typed => parse_policy_type(self.params.required("PolicyType")?)?,
                    PolicyKind::DefaultCustom => match nonempty(self.params, "PolicyType") {
                        Some(t) => parse_policy_type(t)?,
                        None => PolicyType::Custom,
                    },
                    PolicyKind::CustomOnly => PolicyType::Custom,
                };
                let stored = match ptype {
                    PolicyType::System => {
                        rampart_core::ram::system::system_policy(name).map(PolicyName::of_system)
                    }
                    PolicyType::Custom => self
                        .rampart
                        .find_custom_policy(name)?
                        .map(|p| PolicyName::of(&p)),
                };
                let arn_name = stored.as_deref().unwrap_or(name);
                let arn = match ptype {
                    PolicyType::System => format!("acs:ram:*:system:policy/{arn_name}"),
                    PolicyType::Custom => self.ram_arn(&format!("policy/{arn_name}")),
                };
                self.check(plan, None, arn, ResourceAuth::None);
                match stored {
                    Some(n) => plan
                        .target
                        .slots
                        .push(("PolicyName", Entity::Policy(ptype, n))),
                    None => Self::note_missing(
                        plan,
                        entity_missing(
                            codes::ENTITY_NOT_EXIST_POLICY,
                            "The policy does not exist.",
                        ),
                    ),
                }
            }
            Sel::NewUserName(param) => {
                if let Some(n) = self.new_user_name(param)? {
                    self.check(
                        plan,
                        None,
                        self.ram_arn(&format!("user/{n}")),
                        ResourceAuth::None,
                    );
                }
            }
            Sel::NewGroupName(param) => {
                if let Some(n) = nonempty(self.params, param) {
                    self.check(
                        plan,
                        None,
                        self.ram_arn(&format!("group/{n}")),
                        ResourceAuth::None,
                    );
                }
            }
            Sel::Key {
                param,
                fallback,
                action,
                optional,
            } => {
                plan.consumed.push(param);
                let given = match (nonempty(self.params, param), fallback) {
                    (Some(v), _) => Some((param, v)),
                    (None, Some(f)) => {
                        plan.consumed.push(f);
                        nonempty(self.params, f).map(|v| (param, v))
                    }
                    (None, None) => None,
                };
                match given {
                    Some((slot, key_ref)) => {
                        if let Some(k) = self.key(plan, key_ref, action)? {
                            plan.target.slots.push((slot, Entity::Key(k)));
                        }
                    }
                    None if optional => {}
                    None => return Err(ApiError::missing(param)),
                }
            }
            Sel::BlobKey(param) => {
                let blob = Blob::decode(self.params.required(param)?)?;
                // A blob names its key by id, never by alias or ARN.
                if blob.key_id.contains(['/', ':']) {
                    return Err(ApiError::invalid(
                        param,
                        format!("The specified parameter \"{param}\" is not valid: it was not made by this server."),
                    ));
                }
                if let Some(k) = self.key(plan, &blob.key_id, None)? {
                    plan.target.slots.push((param, Entity::Key(k)));
                }
            }
            Sel::Alias { param, existing } => {
                plan.consumed.push(param);
                let given = self.params.required(param)?;
                let Some(name) = self.rampart.alias_name_in(given) else {
                    // An ARN of another account or region.
                    self.check(plan, None, given.to_string(), ResourceAuth::None);
                    Self::note_missing(plan, alias_missing());
                    return Ok(());
                };
                self.check(plan, None, self.kms_arn(name), ResourceAuth::None);
                if existing {
                    let target = self
                        .rampart
                        .store()
                        .get_alias(name)
                        .map_err(ApiError::internal)?;
                    let Some(a) = target else {
                        Self::note_missing(plan, alias_missing());
                        return Ok(());
                    };
                    let auth = ResourceAuth::Key(self.rampart.key_auth(&a.key_id)?);
                    self.check(plan, None, self.rampart.key_arn(&a.key_id), auth);
                }
                plan.target
                    .slots
                    .push((param, Entity::Alias(name.to_string())));
            }
            Sel::Secret { param, key_action } => {
                plan.consumed.push(param);
                let given = self.params.required(param)?;
                if let Some(n) = self.secret(plan, given, key_action, None)? {
                    plan.target.slots.push((param, Entity::Secret(n)));
                }
            }
            Sel::SecretsList => {
                plan.consumed.push("SecretsList");
                plan.consumed_prefixes.push("SecretsList.");
                for (i, mut ask) in secrets_list(self.params)?.into_iter().enumerate() {
                    let mut sub = Plan::default();
                    let found = self.secret(
                        &mut sub,
                        &ask.name,
                        Some("kms:Decrypt"),
                        Some("kms:GetSecretValue"),
                    );
                    for mut c in sub.checks {
                        c.item = Some(i);
                        plan.checks.push(c);
                    }
                    let secret = match found {
                        Ok(Some(stored)) => {
                            ask.name = stored.to_string();
                            Ok(stored)
                        }
                        Ok(None) => Err(sub.missing.unwrap_or_else(secret_missing)),
                        Err(e) => Err(e),
                    };
                    plan.target.batch.push(BatchItem { ask, secret });
                }
            }
            Sel::Tagged => {
                plan.consumed.push("KeyId");
                plan.consumed.push("SecretName");
                match (
                    nonempty(self.params, "KeyId"),
                    nonempty(self.params, "SecretName"),
                ) {
                    (Some(k), None) => {
                        if let Some(k) = self.key(plan, k, None)? {
                            plan.target.slots.push(("KeyId", Entity::Key(k)));
                        }
                    }
                    (None, Some(s)) => {
                        if let Some(s) = self.secret(plan, s, None, None)? {
                            plan.target.slots.push(("SecretName", Entity::Secret(s)));
                        }
                    }
                    _ => {
                        return Err(ApiError::invalid(
                            "KeyId",
                            "The specified parameter \"KeyId\" is not valid: give exactly one of KeyId and SecretName.",
                        ))
                    }
                }
            }
            Sel::TypedResources => {
                plan.consumed.push("ResourceType");
                plan.consumed_prefixes.push("ResourceId.");
                let kind = resource_type(self.params)?;
                let ids: Vec<&str> = (1..=50)
                    .map_while(|n| self.params.get(&format!("ResourceId.{n}")))
                    .collect();
                if ids.is_empty() {
                    return Err(ApiError::missing("ResourceId.1"));
                }
                for id in ids {
                    let found = match kind {
                        TagResource::Key => self.key(plan, id, None)?.map(|k| k.to_string()),
                        TagResource::Secret => {
                            self.secret(plan, id, None, None)?.map(|n| n.to_string())
                        }
                        TagResource::Role | TagResource::Policy | TagResource::User => None,
                    };
                    if let Some(found) = found {
                        plan.target.resources.push((kind, found));
                    }
                }
            }
            Sel::RamTagged => self.resolve_ram_tagged(plan)?,
            Sel::DbInstance => {
                let selected = plan.target.slots.iter().find_map(|(_, e)| match e {
                    Entity::Secret(n) => Some(n.clone()),
                    _ => None,
                });
                let found = match selected {
                    // Rotating: the secret's own type and configuration.
                    Some(n) => {
                        let row = self.rampart.secret_row(&n)?;
                        self.rampart.db_instance_check(
                            &row.secret_type,
                            row.extended_config.as_deref().unwrap_or_default(),
                        )
                    }
                    // Creating: the request's; the first secret of its type
                    // also creates the type's service-linked role.
                    None => match (
                        nonempty(self.params, "SecretType"),
                        nonempty(self.params, "ExtendedConfig"),
                    ) {
                        (Some(t), Some(e)) => {
                            let found = self.rampart.db_instance_check(t, e);
                            if let (Some(_), Some(kind)) =
                                (&found, rampart_core::kms::dbsecret::DbKind::of(t))
                            {
                                let role = kind.linked_role();
                                let exists = self
                                    .rampart
                                    .store()
                                    .get_role(role)
                                    .map_err(ApiError::internal)?
                                    .is_some();
                                if !exists {
                                    self.check(
                                        plan,
                                        Some("ram:CreateServiceLinkedRole"),
                                        self.ram_arn(&format!("role/{role}")),
                                        ResourceAuth::None,
                                    );
                                }
                            }
                            found
                        }
                        _ => None,
                    },
                };
                if let Some((action, arn)) = found {
                    self.check(plan, Some(action), arn, ResourceAuth::None);
                }
            }
            Sel::RamSecretUser => {
                if self.params.get("SecretType") != Some("RAMCredentials") {
                    return Ok(());
                }
                let user = nonempty(self.params, "ExtendedConfig")
                    .and_then(|e| serde_json::from_str::<Value>(e).ok())
                    .and_then(|v| {
                        v.get("UserName")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    });
                if let Some(user) = user {
                    if let Some(n) = self.user(plan, &user, Some("ram:GetUser"))? {
                        plan.target
                            .slots
                            .push(("ExtendedConfig.UserName", Entity::User(n)));
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn user(
        &self,
        plan: &mut Plan,
        name: &str,
        action: Option<&str>,
    ) -> Result<Option<UserName>, ApiError> {
        let stored = self.rampart.find_user(name)?.map(|u| UserName::of(&u));
        let arn_name = stored.as_deref().unwrap_or(name);
        self.check(
            plan,
            action,
            self.ram_arn(&format!("user/{arn_name}")),
            ResourceAuth::None,
        );
        if stored.is_none() {
            Self::note_missing(
                plan,
                entity_missing(codes::ENTITY_NOT_EXIST_USER, "The user does not exist."),
            );
        }
        Ok(stored)
    }

    pub(super) fn role(
        &self,
        plan: &mut Plan,
        name: &str,
        arn_of: impl Fn(&str) -> String,
    ) -> Result<Option<RoleRow>, ApiError> {
        let stored = self.rampart.find_role(name)?;
        let arn = arn_of(stored.as_ref().map_or(name, |r| r.role_name.as_str()));
        self.check(plan, None, arn, ResourceAuth::None);
        if stored.is_none() {
            Self::note_missing(
                plan,
                entity_missing(codes::ENTITY_NOT_EXIST_ROLE, "The role does not exist."),
            );
        }
        Ok(stored)
    }

    /// A key: the check of `action` on it; its id if it exists.
    fn key(
        &self,
        plan: &mut Plan,
        key_ref: &str,
        action: Option<&str>,
    ) -> Result<Option<KeyId>, ApiError> {
        match self.rampart.find_key(key_ref)? {
            Some(k) => {
                let auth = ResourceAuth::Key(self.rampart.key_auth(&k.key_id)?);
                self.check(plan, action, self.rampart.key_arn(&k.key_id), auth);
                Ok(Some(KeyId::of(&k)))
            }
            None => {
                let arn = if key_ref.starts_with("acs:") {
                    key_ref.to_string()
                } else if key_ref.starts_with("alias/") {
                    self.kms_arn(key_ref)
                } else {
                    self.kms_arn(&format!("key/{key_ref}"))
                };
                self.check(plan, action, arn, ResourceAuth::None);
                let alias = key_ref.starts_with("alias/") || key_ref.contains(":alias/");
                Self::note_missing(
                    plan,
                    if alias {
                        alias_missing()
                    } else {
                        key_missing()
                    },
                );
                Ok(None)
            }
        }
    }

    /// A secret: the check of the action (or `action`) on it, and of
    /// `key_action` on the customer key behind it; its name if it exists.
    fn secret(
        &self,
        plan: &mut Plan,
        given: &str,
        key_action: Option<&str>,
        action: Option<&str>,
    ) -> Result<Option<SecretName>, ApiError> {
        let Some(name) = self.rampart.secret_name_in(given) else {
            // An ARN of another account or region: nothing here by that name.
            self.check(plan, action, given.to_string(), ResourceAuth::None);
            Self::note_missing(plan, secret_missing());
            return Ok(None);
        };
        let name = SecretName::parse(name)?;
        let auth = self.rampart.secret_auth(&name)?;
        self.check(
            plan,
            action,
            self.rampart.secret_arn(&name),
            ResourceAuth::Secret(auth.clone()),
        );
        if !auth.exists {
            Self::note_missing(plan, secret_missing());
            return Ok(None);
        }
        if let (Some(key_action), Some(key_id)) = (key_action, auth.key_id.as_deref()) {
            if !self.rampart.is_default_key(key_id)? {
                let key_auth = ResourceAuth::Key(self.rampart.key_auth(key_id)?);
                self.check(
                    plan,
                    Some(key_action),
                    self.rampart.key_arn(key_id),
                    key_auth,
                );
            }
        }
        Ok(Some(name))
    }
}
