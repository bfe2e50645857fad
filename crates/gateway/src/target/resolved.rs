//! The resolved target a handler receives: entities as stored.

use rampart_core::kms::secrets::SecretName;
use rampart_core::kms::KeyId;
use rampart_core::ram::{GroupName, PolicyName, UserName};
use rampart_core::ApiError;
use rampart_store::{PolicyType, RoleRow, TagResource};

/// An entity as stored.
#[derive(Debug, Clone)]
pub enum Entity {
    /// A user (its stored name).
    User(UserName),
    /// A group (its stored name).
    Group(GroupName),
    /// A role.
    Role(Box<RoleRow>),
    /// A policy (type and stored name).
    Policy(PolicyType, PolicyName),
    /// A key (its stored id).
    Key(KeyId),
    /// An alias (its name).
    Alias(String),
    /// A secret (its checked name).
    Secret(SecretName),
    /// A virtual MFA device (its serial number).
    Mfa(String),
    /// A user whose tags a call reads or changes (id, stored name).
    TaggedUser(String, UserName),
    /// An identity provider (its name).
    Provider(String),
}

/// One secret of a batch read, as asked for.
#[derive(Debug, Clone)]
pub struct BatchAsk {
    /// The secret's name as given (a name or an ARN).
    pub name: String,
    /// `VersionId`.
    pub version_id: Option<String>,
    /// `VersionStage`.
    pub version_stage: Option<String>,
    /// `FetchExtendedConfig`.
    pub fetch_extended_config: bool,
}

/// One secret of a batch read: what was asked, and either the secret it
/// names or why it may not be read (missing, or denied) — never neither.
#[derive(Debug, Clone)]
pub struct BatchItem {
    /// What was asked (its name, once resolved, as stored).
    pub ask: BatchAsk,
    /// The secret, or why not.
    pub secret: Result<SecretName, ApiError>,
}

/// Everything a request acts on, resolved.
#[derive(Debug, Default)]
pub struct Target {
    pub(super) slots: Vec<(&'static str, Entity)>,
    pub(super) batch: Vec<BatchItem>,
    pub(super) resources: Vec<(TagResource, String)>,
}

fn unplanned(what: &str) -> ApiError {
    ApiError::internal(format!("the action's target has no {what}"))
}

impl Target {
    fn find(&self, pred: impl Fn(&Entity) -> bool) -> Option<&Entity> {
        self.slots.iter().map(|(_, e)| e).find(|e| pred(e))
    }

    /// The entity a parameter named.
    pub fn slot(&self, param: &str) -> Option<&Entity> {
        self.slots.iter().find(|(p, _)| *p == param).map(|(_, e)| e)
    }

    /// The user (stored name).
    pub fn user(&self) -> Result<&UserName, ApiError> {
        match self.find(|e| matches!(e, Entity::User(_))) {
            Some(Entity::User(n)) => Ok(n),
            _ => Err(unplanned("user")),
        }
    }

    /// The roles and custom policies of RAM's tag actions, or the users of
    /// IMS's: (kind, stored
    /// id, name).
    pub fn ram_tagged(&self) -> Vec<(TagResource, String, String)> {
        self.slots
            .iter()
            .filter_map(|(_, e)| match e {
                Entity::Role(r) => {
                    Some((TagResource::Role, r.role_id.clone(), r.role_name.clone()))
                }
                Entity::Policy(PolicyType::Custom, n) => {
                    Some((TagResource::Policy, n.to_string(), n.to_string()))
                }
                Entity::TaggedUser(id, n) => Some((TagResource::User, id.clone(), n.to_string())),
                _ => None,
            })
            .collect()
    }

    /// The MFA device (serial number).
    pub fn mfa(&self) -> Result<&str, ApiError> {
        match self.find(|e| matches!(e, Entity::Mfa(_))) {
            Some(Entity::Mfa(n)) => Ok(n),
            _ => Err(unplanned("MFA device")),
        }
    }

    /// The identity provider (its name).
    pub fn provider(&self) -> Result<&str, ApiError> {
        match self.find(|e| matches!(e, Entity::Provider(_))) {
            Some(Entity::Provider(n)) => Ok(n),
            _ => Err(unplanned("identity provider")),
        }
    }

    /// The group (stored name).
    pub fn group(&self) -> Result<&GroupName, ApiError> {
        match self.find(|e| matches!(e, Entity::Group(_))) {
            Some(Entity::Group(n)) => Ok(n),
            _ => Err(unplanned("group")),
        }
    }

    /// The role.
    pub fn role(&self) -> Result<&RoleRow, ApiError> {
        match self.find(|e| matches!(e, Entity::Role(_))) {
            Some(Entity::Role(r)) => Ok(r),
            _ => Err(unplanned("role")),
        }
    }

    /// The policy (type, stored name).
    pub fn policy(&self) -> Result<(PolicyType, &PolicyName), ApiError> {
        match self.find(|e| matches!(e, Entity::Policy(..))) {
            Some(Entity::Policy(t, n)) => Ok((*t, n)),
            _ => Err(unplanned("policy")),
        }
    }

    /// The key a parameter named, if it named one.
    pub fn key_opt(&self, param: &str) -> Option<&KeyId> {
        match self.slot(param) {
            Some(Entity::Key(k)) => Some(k),
            _ => None,
        }
    }

    /// The key a parameter named.
    pub fn key(&self, param: &str) -> Result<&KeyId, ApiError> {
        self.key_opt(param).ok_or_else(|| unplanned("key"))
    }

    /// The alias.
    pub fn alias(&self) -> Result<&str, ApiError> {
        match self.find(|e| matches!(e, Entity::Alias(_))) {
            Some(Entity::Alias(n)) => Ok(n),
            _ => Err(unplanned("alias")),
        }
    }

    /// The secret (stored name).
    pub fn secret(&self) -> Result<&SecretName, ApiError> {
        match self.find(|e| matches!(e, Entity::Secret(_))) {
            Some(Entity::Secret(n)) => Ok(n),
            _ => Err(unplanned("secret")),
        }
    }

    /// The tagged resource of `TagResource`/`UntagResource`.
    pub fn tagged(&self) -> Result<(TagResource, &str), ApiError> {
        match self.find(|e| matches!(e, Entity::Key(_) | Entity::Secret(_))) {
            Some(Entity::Key(k)) => Ok((TagResource::Key, k.as_str())),
            Some(Entity::Secret(s)) => Ok((TagResource::Secret, s.as_str())),
            _ => Err(unplanned("tagged resource")),
        }
    }

    /// The secrets of a batch read.
    pub fn batch(&self) -> &[BatchItem] {
        &self.batch
    }

    /// The keys or secrets of `ResourceId.N`.
    pub fn resources(&self) -> &[(TagResource, String)] {
        &self.resources
    }

    /// Refuses a batch item (its first refusal is kept).
    pub(crate) fn refuse_item(&mut self, index: usize, e: ApiError) {
        if let Some(item) = self.batch.get_mut(index) {
            if item.secret.is_ok() {
                item.secret = Err(e);
            }
        }
    }
}
