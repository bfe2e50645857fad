//! RAM roles, service-linked roles.

use rampart_crypto::random_digits;
use rampart_policy::{parse, DocumentKind};
use rampart_store::{Entity, RoleRow, StoreError};
use serde::Serialize;

use super::policies::policy_error;
use super::users::paginate;
use super::validate as v;
use super::{store_err, Page};
use crate::time::format as ts;
use crate::{ApiError, Rampart};

/// Most roles per account.
pub const MAX_ROLES: u64 = 1000;

/// A role as the RAM API shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleView {
    /// Stable id.
    pub role_id: String,
    /// Name.
    pub role_name: String,
    /// `acs:ram::<uid>:role/<name>`.
    pub arn: String,
    /// Description.
    pub description: String,
    /// The trust policy.
    pub assume_role_policy_document: String,
    /// Longest session, seconds.
    pub max_session_duration: i64,
    /// `<name>@role.<uid>.onaliyunservice.com`.
    pub role_principal_name: String,
    /// Created by `CreateServiceLinkedRole`.
    pub is_service_linked_role: bool,
    /// Created.
    pub create_date: String,
    /// Updated.
    pub update_date: String,
}

/// `CreateRole` input.
#[derive(Debug, Default)]
pub struct CreateRole {
    /// Name.
    pub role_name: String,
    /// Trust policy.
    pub assume_role_policy_document: String,
    /// Description.
    pub description: Option<String>,
    /// 3600–43200 (default 3600).
    pub max_session_duration: Option<i64>,
    /// Its first tags (`Tag`), given with it.
    pub tags: Vec<(String, String)>,
}

/// A role's name as stored (roles are found by name in any case). The
/// gateway makes one from the role it resolves for a request and hands it
/// down; the methods that act on an existing role take it and check the name
/// no more.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoleName(String);

impl RoleName {
    /// The name of a role as read from the store.
    pub fn of(row: &RoleRow) -> Self {
        Self(row.role_name.clone())
    }
}

text_newtype!(RoleName);

/// `UpdateRole` input.
#[derive(Debug)]
pub struct UpdateRole {
    /// The role.
    pub role_name: RoleName,
    /// New trust policy.
    pub new_assume_role_policy_document: Option<String>,
    /// New longest session.
    pub new_max_session_duration: Option<i64>,
    /// New description.
    pub new_description: Option<String>,
}

/// The service-linked roles Rampart knows: (service name, role name,
/// system policy, trusted service principal, the secret type that uses it).
pub const SERVICE_LINKED_ROLES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "ramcredentials.kms.aliyuncs.com",
        "AliyunKMSManageRAMCredentialsRole",
        "AliyunKMSManageRAMCredentialsRolePolicy",
        "kms.aliyuncs.com",
        "RAMCredentials",
    ),
    (
        "secretsmanager-rds.kms.aliyuncs.com",
        "AliyunServiceRoleForKMSSecretsManagerForRDS",
        "AliyunServiceRolePolicyForKMSSecretsManagerForRDS",
        "secretsmanager-rds.kms.aliyuncs.com",
        "Rds",
    ),
    (
        "secretsmanager-polardb.kms.aliyuncs.com",
        "AliyunServiceRoleForKMSSecretsManagerForPolarDB",
        "AliyunServiceRolePolicyForKMSSecretsManagerForPolarDB",
        "secretsmanager-polardb.kms.aliyuncs.com",
        "PolarDB",
    ),
    (
        "secretsmanager-redis.kms.aliyuncs.com",
        "AliyunServiceRoleForKMSSecretsManagerForRedis",
        "AliyunServiceRolePolicyForKMSSecretsManagerForRedis",
        "secretsmanager-redis.kms.aliyuncs.com",
        "Redis",
    ),
];

/// Checks a role name's form (1–64 of `[A-Za-z0-9.@-]`).
pub fn role_name(param: &str, n: &str) -> Result<(), ApiError> {
    v::check(
        param,
        n,
        1,
        64,
        |c| c.is_ascii_alphanumeric() || ".@-".contains(c),
        "letters, digits, `.`, `@` and `-`",
    )
}

fn max_session(param: &str, n: i64) -> Result<i64, ApiError> {
    if (3600..=43200).contains(&n) {
        Ok(n)
    } else {
        Err(ApiError::invalid(
            param,
            format!("The parameter \"{param}\" must be between 3600 and 43200 seconds, got {n}."),
        ))
    }
}

fn trust(doc: &str) -> Result<(), ApiError> {
    parse(doc, DocumentKind::Trust)
        .map(|_| ())
        .map_err(policy_error)
}

impl Rampart {
    /// `acs:ram::<uid>:role/<name>`.
    pub fn role_arn(&self, role_name: &str) -> String {
        format!("acs:ram::{}:role/{role_name}", self.account_id)
    }

    pub(crate) fn role_view(&self, r: &RoleRow) -> RoleView {
        RoleView {
            role_id: r.role_id.clone(),
            role_name: r.role_name.clone(),
            arn: self.role_arn(&r.role_name),
            description: r.description.clone(),
            assume_role_policy_document: r.trust_policy.clone(),
            max_session_duration: r.max_session_duration,
            role_principal_name: format!(
                "{}@role.{}.onaliyunservice.com",
                r.role_name, self.account_id
            ),
            is_service_linked_role: r.service_linked,
            create_date: ts(r.created_at),
            update_date: ts(r.updated_at),
        }
    }

    fn role_row(&self, name: &RoleName) -> Result<RoleRow, ApiError> {
        self.store
            .get_role(name)
            .map_err(store_err)?
            .ok_or_else(|| store_err(StoreError::NotFound(Entity::Role)))
    }

    /// Creates a role.
    pub fn create_role(&self, req: CreateRole) -> Result<RoleView, ApiError> {
        role_name("RoleName", &req.role_name)?;
        if req.assume_role_policy_document.is_empty() {
            return Err(ApiError::missing("AssumeRolePolicyDocument"));
        }
        trust(&req.assume_role_policy_document)?;
        let description = req.description.unwrap_or_default();
        v::check("Description", &description, 0, 1024, |_| true, "text")?;
        let max = max_session(
            "MaxSessionDuration",
            req.max_session_duration.unwrap_or(3600),
        )?;
        let now = self.now();
        let row = RoleRow {
            role_id: random_digits(19),
            role_name: req.role_name,
            description,
            trust_policy: req.assume_role_policy_document,
            max_session_duration: max,
            service_linked: false,
            created_at: now,
            updated_at: now,
        };
        self.store
            .create_role_with_tags(&row, MAX_ROLES, &[], &req.tags)
            .map_err(store_err)?;
        Ok(self.role_view(&row))
    }

    /// Creates a service-linked role for a known service.
    pub fn create_service_linked_role(
        &self,
        service: &str,
        description: Option<&str>,
    ) -> Result<RoleView, ApiError> {
        let Some((_, name, policy, principal, secret_type)) =
            SERVICE_LINKED_ROLES.iter().find(|(s, ..)| *s == service)
        else {
            let known: Vec<&str> = SERVICE_LINKED_ROLES.iter().map(|(s, ..)| *s).collect();
            return Err(ApiError::invalid(
                "ServiceName",
                format!(
                    "The service `{service}` has no service-linked role here; known: {}.",
                    known.join(", ")
                ),
            ));
        };
        let now = self.now();
        let row = RoleRow {
            role_id: random_digits(19),
            role_name: (*name).to_string(),
            description: description
                .map(str::to_string)
                .unwrap_or_else(|| match *secret_type {
                    "RAMCredentials" => "Key Management Service manages the AccessKey pairs of RAM users through this role.".to_string(),
                    t => format!("Secrets Manager reads database instances and changes the passwords of their accounts for {t} secrets through this role."),
                }),
            trust_policy: format!(
                r#"{{"Statement":[{{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{{"Service":["{principal}"]}}}}],"Version":"1"}}"#
            ),
            max_session_duration: 3600,
            service_linked: true,
            created_at: now,
            updated_at: now,
        };
        self.store
            .create_role(&row, MAX_ROLES, &[policy])
            .map_err(store_err)?;
        Ok(self.role_view(&row))
    }

    /// Reads a role.
    pub fn get_role(&self, name: &RoleName) -> Result<RoleView, ApiError> {
        Ok(self.role_view(&self.role_row(name)?))
    }

    /// Changes a role.
    pub fn update_role(&self, req: UpdateRole) -> Result<RoleView, ApiError> {
        let mut row = self.role_row(&req.role_name)?;
        if let Some(doc) = req.new_assume_role_policy_document {
            trust(&doc)?;
            row.trust_policy = doc;
        }
        if let Some(m) = req.new_max_session_duration {
            row.max_session_duration = max_session("NewMaxSessionDuration", m)?;
        }
        if let Some(d) = req.new_description {
            v::check("NewDescription", &d, 0, 1024, |_| true, "text")?;
            row.description = d;
        }
        row.updated_at = self.now();
        self.store.update_role(&row).map_err(store_err)?;
        Ok(self.role_view(&row))
    }

    /// Deletes a role with no policies attached.
    pub fn delete_role(&self, name: &RoleName) -> Result<(), ApiError> {
        self.store.delete_role(name).map_err(|e| match e {
            StoreError::DeleteConflict(Entity::Attachment) => ApiError::of(
                crate::codes::DELETE_CONFLICT_ROLE_POLICY,
                "The role still has policies attached; detach them before deleting the role.",
            ),
            other => store_err(other),
        })
    }

    /// Deletes a service-linked role with its policies, unless its service
    /// still uses it (RAM secrets for Secrets Manager's role). Returns the
    /// deletion task id, `task/acs-service-role/<service>/<role>/<uuid>`.
    pub fn delete_service_linked_role(&self, row: &RoleRow) -> Result<String, ApiError> {
        let service = SERVICE_LINKED_ROLES
            .iter()
            .find(|(_, n, ..)| n.eq_ignore_ascii_case(&row.role_name))
            .map(|(s, _, _, _, t)| (*s, *t));
        let (true, Some((service, secret_type))) = (row.service_linked, service) else {
            return Err(ApiError::of(
                crate::codes::ENTITY_NOT_EXIST_SERVICE_LINKED_ROLE,
                "This role exists but is not a Service Linked Role; delete it with DeleteRole.",
            ));
        };
        let secrets = self
            .store
            .delete_role_unless_used(&row.role_name, secret_type, 4)
            .map_err(store_err)?;
        if !secrets.is_empty() {
            let arns: Vec<String> = secrets
                .iter()
                .take(3)
                .map(|s| {
                    format!(
                        "acs:kms:{}:{}:secret/{s}",
                        self.settings.region, self.account_id
                    )
                })
                .collect();
            return Err(ApiError::of(crate::codes::DELETE_CONFLICT_SERVICE_LINKED_ROLE_IN_USE,
                format!(
                    "Service-Linked Role {} cannot be deleted as it is in use by {service}: delete its {secret_type} secrets first ({}{}).",
                    self.role_arn(&row.role_name),
                    arns.join(", "),
                    if secrets.len() > 3 { ", …" } else { "" }
                ),
            ));
        }
        Ok(format!(
            "task/acs-service-role/{service}/{}/{}",
            row.role_name,
            uuid::Uuid::new_v4()
        ))
    }

    /// Lists roles by name.
    pub fn list_roles(
        &self,
        marker: Option<&str>,
        max_items: Option<u32>,
    ) -> Result<Page<RoleView>, ApiError> {
        let limit = v::max_items(max_items)?;
        let mut rows = self
            .store
            .list_roles(marker.filter(|m| !m.is_empty()), limit + 1)
            .map_err(store_err)?;
        let next_marker = paginate(&mut rows, limit, |r| r.role_name.clone());
        Ok(Page {
            items: rows.iter().map(|r| self.role_view(r)).collect(),
            next_marker,
        })
    }
}
