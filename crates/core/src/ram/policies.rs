//! Custom and system policies, their versions and attachments.

use rampart_policy::{parse, DocumentKind, PolicyError};
use rampart_store::{
    AttachLimits, Entity, PolicyRow, PolicyType, PolicyVersionRow, PrincipalKind, StoreError,
};
use serde::Serialize;

use super::system::{system_policy, SystemPolicy, SYSTEM_POLICIES, SYSTEM_POLICY_DATE};
use super::validate as v;
use super::{store_err, Page};
use crate::time::format as ts;
use crate::{ApiError, Rampart};

/// Most versions a custom policy may have.
pub const MAX_POLICY_VERSIONS: u64 = 5;
/// Most custom policies per account.
pub const MAX_CUSTOM_POLICIES: u64 = 1500;

/// A policy as `GetPolicy`/`ListPolicies` show it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyView {
    /// Name.
    pub policy_name: String,
    /// `System` or `Custom`.
    pub policy_type: &'static str,
    /// Description.
    pub description: String,
    /// `v<n>`.
    pub default_version: String,
    /// How many principals it is attached to.
    pub attachment_count: u64,
    /// Created.
    pub create_date: String,
    /// Updated.
    pub update_date: String,
}

/// A policy version.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersionView {
    /// `v<n>`.
    pub version_id: String,
    /// Whether it is the default.
    pub is_default_version: bool,
    /// The document.
    pub policy_document: String,
    /// Created.
    pub create_date: String,
}

/// A policy attached to a principal (`ListPoliciesFor*`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicyView {
    /// Name.
    pub policy_name: String,
    /// `System` or `Custom`.
    pub policy_type: &'static str,
    /// Description.
    pub description: String,
    /// `v<n>`.
    pub default_version: String,
    /// When it was attached.
    pub attach_date: String,
}

/// `ListEntitiesForPolicy`.
#[derive(Debug, Default)]
pub struct PolicyEntities {
    /// The users.
    pub users: Vec<PolicyUser>,
    /// The groups.
    pub groups: Vec<PolicyGroup>,
    /// The roles.
    pub roles: Vec<PolicyRole>,
}

/// A user a policy is attached to.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyUser {
    /// Name.
    pub user_name: String,
    /// Display name.
    pub display_name: String,
    /// Stable id.
    pub user_id: String,
    /// When the policy was attached.
    pub attach_date: String,
}

/// A group a policy is attached to.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyGroup {
    /// Name.
    pub group_name: String,
    /// Comments.
    pub comments: String,
    /// When the policy was attached.
    pub attach_date: String,
}

/// A role a policy is attached to.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyRole {
    /// Name.
    pub role_name: String,
    /// Stable id.
    pub role_id: String,
    /// `acs:ram::<uid>:role/<name>`.
    pub arn: String,
    /// Description.
    pub description: String,
    /// When the policy was attached.
    pub attach_date: String,
}

/// Maps a policy-language error to the wire.
pub fn policy_error(e: PolicyError) -> ApiError {
    let mut msg = String::from("The policy document is not valid: ");
    msg.push_str(&e.message);
    if let (Some(l), Some(c)) = (e.line, e.column) {
        msg.push_str(&format!(" (line {l}, column {c})"));
    }
    ApiError::new(400, e.code, msg)
}

/// Parses `v<n>`.
pub fn parse_version_id(s: &str) -> Result<i64, ApiError> {
    s.strip_prefix('v')
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            ApiError::of(
                crate::codes::INVALID_PARAMETER_VERSION_ID_FORMAT,
                format!("The parameter - \"VersionId\" must look like `v1`, got `{s}`."),
            )
        })
}

/// Parses the `PolicyType` parameter.
pub fn parse_policy_type(s: &str) -> Result<PolicyType, ApiError> {
    PolicyType::parse(s).ok_or_else(|| {
        ApiError::of(crate::codes::INVALID_PARAMETER_POLICY_TYPE,
            format!("The parameter - \"PolicyType\" is incorrect: it must be `System` or `Custom`, got `{s}`."),
        )
    })
}

/// A policy's name as stored (a custom policy's, or a system policy's). The
/// gateway makes one where it resolves the policy a request names and hands
/// it down, with the policy's type; the methods that act on an existing
/// policy take it and check the name no more.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PolicyName(String);

impl PolicyName {
    /// Checks `name` for the `PolicyName` parameter.
    pub fn parse(name: &str) -> Result<Self, ApiError> {
        policy_name("PolicyName", name)?;
        Ok(Self(name.to_string()))
    }

    /// The name of a custom policy as read from the store.
    pub fn of(row: &PolicyRow) -> Self {
        Self(row.policy_name.clone())
    }

    /// The name of a system policy.
    pub fn of_system(p: &SystemPolicy) -> Self {
        Self(p.name.to_string())
    }
}

text_newtype!(PolicyName);

/// Checks a policy name's form.
pub fn policy_name(param: &str, name: &str) -> Result<(), ApiError> {
    v::check(
        param,
        name,
        1,
        128,
        |c| c.is_ascii_alphanumeric() || c == '-',
        "letters, digits and `-`",
    )
}

fn not_found() -> ApiError {
    store_err(StoreError::NotFound(Entity::Policy))
}

fn vid(n: i64) -> String {
    format!("v{n}")
}

impl Rampart {
    fn custom_view(&self, p: &PolicyRow) -> Result<PolicyView, ApiError> {
        Ok(PolicyView {
            policy_name: p.policy_name.clone(),
            policy_type: "Custom",
            description: p.description.clone(),
            default_version: vid(p.default_version),
            attachment_count: self
                .store
                .attachment_count(PolicyType::Custom, &p.policy_name)
                .map_err(store_err)?,
            create_date: ts(p.created_at),
            update_date: ts(p.updated_at),
        })
    }

    fn system_view(&self, name: &str) -> Result<PolicyView, ApiError> {
        let sp = system_policy(name).ok_or_else(not_found)?;
        Ok(PolicyView {
            policy_name: sp.name.into(),
            policy_type: "System",
            description: sp.description.into(),
            default_version: "v1".into(),
            attachment_count: self
                .store
                .attachment_count(PolicyType::System, name)
                .map_err(store_err)?,
            create_date: ts(SYSTEM_POLICY_DATE),
            update_date: ts(SYSTEM_POLICY_DATE),
        })
    }

    fn custom_row(&self, name: &PolicyName) -> Result<PolicyRow, ApiError> {
        self.store
            .get_policy(name)
            .map_err(store_err)?
            .ok_or_else(not_found)
    }

    /// Creates a custom policy whose `v1` is `document`.
    pub fn create_policy(
        &self,
        name: &str,
        document: &str,
        description: Option<&str>,
    ) -> Result<PolicyView, ApiError> {
        self.create_policy_tagged(name, document, description, &[])
    }

    /// [`Rampart::create_policy`] with its first tags (`Tag`).
    pub fn create_policy_tagged(
        &self,
        name: &str,
        document: &str,
        description: Option<&str>,
        tags: &[(String, String)],
    ) -> Result<PolicyView, ApiError> {
        policy_name("PolicyName", name)?;
        let description = description.unwrap_or_default();
        v::check("Description", description, 0, 1024, |_| true, "text")?;
        parse(document, DocumentKind::Identity).map_err(policy_error)?;
        if system_policy(name).is_some() {
            return Err(store_err(StoreError::Conflict(Entity::Policy)));
        }
        let now = self.now();
        let row = PolicyRow {
            policy_name: name.to_string(),
            description: description.to_string(),
            default_version: 1,
            created_at: now,
            updated_at: now,
        };
        let first = PolicyVersionRow {
            version: 1,
            document: document.to_string(),
            created_at: now,
        };
        self.store
            .create_policy_with_tags(&row, &first, MAX_CUSTOM_POLICIES, tags)
            .map_err(store_err)?;
        self.custom_view(&row)
    }

    /// A policy and its default version.
    pub fn get_policy(
        &self,
        name: &PolicyName,
        ptype: PolicyType,
    ) -> Result<(PolicyView, PolicyVersionView), ApiError> {
        match ptype {
            PolicyType::System => {
                let sp = system_policy(name).ok_or_else(not_found)?;
                Ok((
                    self.system_view(name)?,
                    PolicyVersionView {
                        version_id: "v1".into(),
                        is_default_version: true,
                        policy_document: sp.document.into(),
                        create_date: ts(SYSTEM_POLICY_DATE),
                    },
                ))
            }
            PolicyType::Custom => {
                let row = self.custom_row(name)?;
                let ver = self
                    .store
                    .get_policy_version(name, row.default_version)
                    .map_err(store_err)?
                    .ok_or_else(|| ApiError::internal("default policy version missing"))?;
                Ok((
                    self.custom_view(&row)?,
                    PolicyVersionView {
                        version_id: vid(ver.version),
                        is_default_version: true,
                        policy_document: ver.document,
                        create_date: ts(ver.created_at),
                    },
                ))
            }
        }
    }

    /// Lists system policies (first) and custom policies, optionally one type.
    pub fn list_policies(
        &self,
        ptype: Option<PolicyType>,
        marker: Option<&str>,
        max_items: Option<u32>,
    ) -> Result<Page<PolicyView>, ApiError> {
        let limit = v::max_items(max_items)?;
        let want = usize::try_from(limit).unwrap_or(1000);
        // Marker: `S:<name>` (after a system policy) or `C:<name>`.
        let (after_system, after_custom) = match marker.filter(|m| !m.is_empty()) {
            None => (None, None),
            Some(m) => match m.split_once(':') {
                Some(("S", n)) => (Some(n), None),
                Some(("C", n)) => (Some("\u{10FFFF}"), Some(n)),
                _ => {
                    return Err(ApiError::invalid(
                        "Marker",
                        format!(
                            "The parameter \"Marker\" `{m}` is not a marker this server returned."
                        ),
                    ))
                }
            },
        };
        let mut items = Vec::new();
        let mut next = None;
        if ptype != Some(PolicyType::Custom) {
            let mut names: Vec<&str> = SYSTEM_POLICIES.iter().map(|p| p.name).collect();
            names.sort_unstable();
            for n in names
                .into_iter()
                .filter(|n| after_system.is_none_or(|a| *n > a))
            {
                if items.len() == want {
                    next = items
                        .last()
                        .map(|p: &PolicyView| format!("S:{}", p.policy_name));
                    return Ok(Page {
                        items,
                        next_marker: next,
                    });
                }
                items.push(self.system_view(n)?);
            }
        }
        if ptype != Some(PolicyType::System) {
            let rows = self
                .store
                .list_policies(after_custom, limit + 1)
                .map_err(store_err)?;
            for r in rows {
                if items.len() == want {
                    next = items.last().map(|p: &PolicyView| {
                        format!(
                            "{}:{}",
                            if p.policy_type == "System" { "S" } else { "C" },
                            p.policy_name
                        )
                    });
                    break;
                }
                items.push(self.custom_view(&r)?);
            }
        }
        Ok(Page {
            items,
            next_marker: next,
        })
    }

    /// Changes a custom policy's description.
    pub fn update_policy_description(
        &self,
        name: &PolicyName,
        description: &str,
    ) -> Result<PolicyView, ApiError> {
        v::check("NewDescription", description, 0, 1024, |_| true, "text")?;
        self.store
            .update_policy_description(name, description, self.now())
            .map_err(store_err)?;
        self.custom_view(&self.custom_row(name)?)
    }

    /// Deletes a custom policy.
    pub fn delete_policy(&self, name: &PolicyName, cascade: bool) -> Result<(), ApiError> {
        self.store.delete_policy(name, cascade).map_err(|e| match e {
            StoreError::DeleteConflictOn(k) => {
                let (code, what) = match k {
                    PrincipalKind::User => ("DeleteConflict.Policy.User", "users"),
                    PrincipalKind::Group => ("DeleteConflict.Policy.Group", "groups"),
                    PrincipalKind::Role => ("DeleteConflict.Policy.Role", "roles"),
                };
                ApiError::new(
                    409,
                    code,
                    format!("The policy is still attached to {what}; detach it first (or use CascadingDelete)."),
                )
            }
            StoreError::DeleteConflict(Entity::PolicyVersion) => ApiError::of(crate::codes::DELETE_CONFLICT_POLICY_VERSION,
                "The policy has non-default versions; delete them first (or use CascadingDelete).",
            ),
            other => store_err(other),
        })
    }

    /// Adds a version to a custom policy.
    pub fn create_policy_version(
        &self,
        name: &PolicyName,
        document: &str,
        set_default: bool,
        rotate_strategy: Option<&str>,
    ) -> Result<PolicyVersionView, ApiError> {
        let rotate = match rotate_strategy.unwrap_or("None") {
            "None" | "" => false,
            "DeleteOldestNonDefaultVersionWhenLimitExceeded" => true,
            other => {
                return Err(ApiError::invalid(
                    "RotateStrategy",
                    format!("The parameter \"RotateStrategy\" must be `None` or `DeleteOldestNonDefaultVersionWhenLimitExceeded`, got `{other}`."),
                ))
            }
        };
        parse(document, DocumentKind::Identity).map_err(policy_error)?;
        let row = self
            .store
            .create_policy_version(
                name,
                document,
                set_default,
                rotate,
                MAX_POLICY_VERSIONS,
                self.now(),
            )
            .map_err(store_err)?;
        Ok(PolicyVersionView {
            version_id: vid(row.version),
            is_default_version: set_default,
            policy_document: row.document,
            create_date: ts(row.created_at),
        })
    }

    /// One version of a policy.
    pub fn get_policy_version(
        &self,
        name: &PolicyName,
        ptype: PolicyType,
        version_id: &str,
    ) -> Result<PolicyVersionView, ApiError> {
        let version = parse_version_id(version_id)?;
        if ptype == PolicyType::System {
            let (_, v1) = self.get_policy(name, ptype)?;
            return if version == 1 {
                Ok(v1)
            } else {
                Err(store_err(StoreError::NotFound(Entity::PolicyVersion)))
            };
        }
        let row = self.custom_row(name)?;
        let ver = self
            .store
            .get_policy_version(name, version)
            .map_err(store_err)?
            .ok_or_else(|| store_err(StoreError::NotFound(Entity::PolicyVersion)))?;
        Ok(PolicyVersionView {
            version_id: vid(ver.version),
            is_default_version: ver.version == row.default_version,
            policy_document: ver.document,
            create_date: ts(ver.created_at),
        })
    }

    /// Every version of a policy.
    pub fn list_policy_versions(
        &self,
        name: &PolicyName,
        ptype: PolicyType,
    ) -> Result<Vec<PolicyVersionView>, ApiError> {
        if ptype == PolicyType::System {
            return Ok(vec![self.get_policy(name, ptype)?.1]);
        }
        let row = self.custom_row(name)?;
        Ok(self
            .store
            .list_policy_versions(name)
            .map_err(store_err)?
            .into_iter()
            .map(|v| PolicyVersionView {
                version_id: vid(v.version),
                is_default_version: v.version == row.default_version,
                policy_document: v.document,
                create_date: ts(v.created_at),
            })
            .collect())
    }

    /// Deletes a non-default version.
    pub fn delete_policy_version(
        &self,
        name: &PolicyName,
        version_id: &str,
    ) -> Result<(), ApiError> {
        let version = parse_version_id(version_id)?;
        self.store
            .delete_policy_version(name, version)
            .map_err(store_err)
    }

    /// Makes a version the default.
    pub fn set_default_policy_version(
        &self,
        name: &PolicyName,
        version_id: &str,
    ) -> Result<(), ApiError> {
        let version = parse_version_id(version_id)?;
        self.store
            .set_default_policy_version(name, version, self.now())
            .map_err(store_err)
    }

    /// Attaches a policy to a user, group or role.
    pub fn attach_policy(
        &self,
        kind: PrincipalKind,
        principal: &str,
        ptype: PolicyType,
        name: &str,
    ) -> Result<(), ApiError> {
        if ptype == PolicyType::System && system_policy(name).is_none() {
            return Err(not_found());
        }
        let limits = match kind {
            PrincipalKind::User => AttachLimits {
                system: 20,
                custom: 10,
            },
            PrincipalKind::Group | PrincipalKind::Role => AttachLimits {
                system: 20,
                custom: 5,
            },
        };
        self.store
            .attach_policy(kind, principal, ptype, name, self.now(), limits)
            .map_err(|e| attach_err(kind, e))
    }

    /// Detaches a policy.
    pub fn detach_policy(
        &self,
        kind: PrincipalKind,
        principal: &str,
        ptype: PolicyType,
        name: &str,
    ) -> Result<(), ApiError> {
        self.store
            .detach_policy(kind, principal, ptype, name)
            .map_err(|e| attach_err(kind, e))
    }

    /// Policies attached directly to a principal.
    pub fn list_policies_for(
        &self,
        kind: PrincipalKind,
        principal: &str,
    ) -> Result<Vec<AttachedPolicyView>, ApiError> {
        let rows = self
            .store
            .list_attachments(kind, principal)
            .map_err(store_err)?;
        let mut out = Vec::with_capacity(rows.len());
        for a in rows {
            let (description, default_version) = match a.policy_type {
                PolicyType::System => (
                    system_policy(&a.policy_name)
                        .map(|p| p.description.to_string())
                        .unwrap_or_default(),
                    "v1".to_string(),
                ),
                PolicyType::Custom => {
                    match self.store.get_policy(&a.policy_name).map_err(store_err)? {
                        Some(p) => (p.description, vid(p.default_version)),
                        None => continue,
                    }
                }
            };
            out.push(AttachedPolicyView {
                policy_name: a.policy_name,
                policy_type: a.policy_type.as_str(),
                description,
                default_version,
                attach_date: ts(a.attached_at),
            });
        }
        Ok(out)
    }

    /// Principals a policy is attached to.
    pub fn list_entities_for_policy(
        &self,
        name: &PolicyName,
        ptype: PolicyType,
    ) -> Result<PolicyEntities, ApiError> {
        if ptype == PolicyType::System && system_policy(name).is_none() {
            return Err(not_found());
        }
        let mut out = PolicyEntities::default();
        for e in self
            .store
            .list_entities_for_policy(ptype, name)
            .map_err(store_err)?
        {
            let date = ts(e.attached_at);
            match e.kind {
                PrincipalKind::User => out.users.push(PolicyUser {
                    user_name: e.name,
                    display_name: e.label,
                    user_id: e.id,
                    attach_date: date,
                }),
                PrincipalKind::Group => out.groups.push(PolicyGroup {
                    group_name: e.name,
                    comments: e.label,
                    attach_date: date,
                }),
                PrincipalKind::Role => out.roles.push(PolicyRole {
                    arn: self.role_arn(&e.name),
                    role_name: e.name,
                    role_id: e.id,
                    description: e.label,
                    attach_date: date,
                }),
            }
        }
        Ok(out)
    }
}

fn attach_err(kind: PrincipalKind, e: StoreError) -> ApiError {
    let k = kind.as_str();
    match e {
        StoreError::Conflict(Entity::Attachment) => ApiError::dynamic(
            409,
            format!("EntityAlreadyExists.{k}.Policy"),
            format!(
                "The {} has already been attached this policy.",
                k.to_lowercase()
            ),
        ),
        StoreError::NotFound(Entity::Attachment) => ApiError::dynamic(
            404,
            format!("EntityNotExist.{k}.Policy"),
            format!("The policy is not attached to the {}.", k.to_lowercase()),
        ),
        StoreError::Limit(Entity::Attachment) => ApiError::dynamic(
            409,
            format!("LimitExceeded.{k}.Policy"),
            format!(
                "The count of policies attached to the {} beyond the current limits.",
                k.to_lowercase()
            ),
        ),
        other => store_err(other),
    }
}
