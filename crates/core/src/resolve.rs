//! Resolving the names a request gives to the entities as stored.
//!
//! A request names what it acts on in many spellings: a role in another
//! case, a key by id, alias or ARN, a secret by name or ARN. Before anything
//! is authorized, each name is resolved here to the stored entity, and the
//! ARN that is authorized is built from the stored name — so a policy sees
//! the same entity whatever spelling the request used. The name rule:
//!
//! - users, groups and custom policies are found by their exact name;
//! - roles are found whatever the case of their name (role ARNs are often
//!   written in lower case), and are then authorized under the name as
//!   stored: `role/devops-admin` reaching `DEVOPS-ADMIN` is authorized as
//!   `role/DEVOPS-ADMIN`;
//! - keys by id, alias or ARN, secrets by name or ARN; an ARN must name this
//!   account and region, or it names nothing here;
//! - resource ARNs in policies are matched case-sensitively against the
//!   stored names.

use std::sync::Arc;

use rampart_policy::Context;
use rampart_store::{GroupRow, KeyRow, PolicyRow, RoleRow, TagResource, UserRow};

use crate::ram::policies::policy_name;
use crate::ram::roles::role_name;
use crate::ram::validate as v;
use crate::{ApiError, Rampart};

/// What authorizing an action on a key needs: its condition keys and its
/// key policy (evaluated with the identity policies: either may allow, an
/// explicit deny in either wins).
#[derive(Debug, Default)]
pub struct KeyAuth {
    /// `kms:tag/<k>`.
    pub context: Context,
    /// The key policy, if one was set (the default leaves access to the
    /// identity policies).
    pub policy: Option<Arc<rampart_policy::PolicyDocument>>,
    /// About how many bytes this holds, for the cache's budget.
    pub weight: usize,
}

impl Rampart {
    /// The user stored under exactly `name` (checked for form first).
    pub fn find_user(&self, name: &str) -> Result<Option<UserRow>, ApiError> {
        v::user_name("UserName", name)?;
        self.store.get_user(name).map_err(ApiError::internal)
    }

    /// The user whose id is `user_id` (`param` names it in errors).
    pub fn find_user_by_id(&self, param: &str, user_id: &str) -> Result<Option<UserRow>, ApiError> {
        bounded_id(param, user_id)?;
        self.store
            .get_user_by_id(user_id)
            .map_err(ApiError::internal)
    }

    /// The name of the RAM user owning the AccessKey `access_key_id`;
    /// `None` for no such key or the account's own key.
    pub fn access_key_user(
        &self,
        param: &str,
        access_key_id: &str,
    ) -> Result<Option<String>, ApiError> {
        bounded_id(param, access_key_id)?;
        Ok(self
            .store
            .get_access_key(access_key_id)
            .map_err(ApiError::internal)?
            .and_then(|k| k.user_name))
    }

    /// The group stored under exactly `name`.
    pub fn find_group(&self, name: &str) -> Result<Option<GroupRow>, ApiError> {
        v::group_name("GroupName", name)?;
        self.store.get_group(name).map_err(ApiError::internal)
    }

    /// The role whose name is `name` in any case.
    pub fn find_role(&self, name: &str) -> Result<Option<RoleRow>, ApiError> {
        role_name("RoleName", name)?;
        self.store.get_role(name).map_err(ApiError::internal)
    }

    /// The custom policy stored under exactly `name`.
    pub fn find_custom_policy(&self, name: &str) -> Result<Option<PolicyRow>, ApiError> {
        policy_name("PolicyName", name)?;
        self.store.get_policy(name).map_err(ApiError::internal)
    }

    /// The KMS resource path of an ARN of this account and region
    /// (`key/<id>`, `alias/<name>`, `secret/<name>`), `Some(None)` for an
    /// ARN of another account or region, `None` if `s` is no KMS ARN.
    fn kms_path<'a>(&self, s: &'a str) -> Option<Option<&'a str>> {
        let rest = s.strip_prefix("acs:kms:")?;
        let (region, rest) = rest.split_once(':')?;
        let (account, path) = rest.split_once(':')?;
        Some((region == self.settings.region && account == self.account_id).then_some(path))
    }

    /// The key a `KeyId` names: a key id, an alias (`alias/…`), or the ARN
    /// of either. `None` if there is no such key here.
    pub fn find_key(&self, key_ref: &str) -> Result<Option<KeyRow>, ApiError> {
        if key_ref.is_empty() {
            return Err(ApiError::missing("KeyId"));
        }
        let path = match self.kms_path(key_ref) {
            Some(Some(path)) => path,
            Some(None) => return Ok(None),
            None => key_ref,
        };
        let key_id = if path.starts_with("alias/") {
            match self.store.get_alias(path).map_err(ApiError::internal)? {
                Some(a) => a.key_id,
                None => return Ok(None),
            }
        } else if let Some(id) = path.strip_prefix("key/") {
            id.to_string()
        } else if key_ref.starts_with("acs:") {
            return Ok(None);
        } else {
            path.to_string()
        };
        match self.key_by_id(&key_id) {
            Ok(k) => Ok(Some(k.as_ref().clone())),
            Err(e) if e.status == 404 => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The alias name an `AliasName` gives (`alias/…`, or its ARN); `None`
    /// for an ARN of another account or region.
    pub fn alias_name_in<'a>(&self, s: &'a str) -> Option<&'a str> {
        match self.kms_path(s) {
            Some(path) => path.filter(|p| p.starts_with("alias/")),
            None => Some(s),
        }
    }

    /// The secret name a `SecretName` gives (a name, or the secret's ARN);
    /// `None` for an ARN of another account or region.
    pub fn secret_name_in<'a>(&self, s: &'a str) -> Option<&'a str> {
        match self.kms_path(s) {
            Some(path) => path.and_then(|p| p.strip_prefix("secret/")),
            None if s.starts_with("acs:") => None,
            None => Some(s),
        }
    }

    /// Whether `key_id` is the service's default key for secrets, which
    /// protects secrets made without a key of their own and needs no
    /// permission of the caller.
    pub fn is_default_key(&self, key_id: &str) -> Result<bool, ApiError> {
        Ok(self.key_by_id(key_id)?.is_default)
    }

    /// A key's condition keys (`kms:tag/<k>`), for authorization.
    pub fn key_auth(&self, key_id: &str) -> Result<Arc<KeyAuth>, ApiError> {
        self.reads
            .key_auth
            .get_or_load(self.store.generation(), key_id, || {
                let mut context = Context::new();
                for (k, v) in self.tags_of(TagResource::Key, key_id)? {
                    context.push(&format!("kms:tag/{k}"), v);
                }
                let (policy, text) =
                    match self.store.get_key(key_id).map_err(crate::kms::store_err)? {
                        Some(KeyRow {
                            policy: Some(p), ..
                        }) => (
                            Some(
                                self.policy_cache
                                    .get(rampart_policy::DocumentKind::Resource, &p)?,
                            ),
                            p.len(),
                        ),
                        _ => (None, 0),
                    };
                let weight = 256 + 3 * text + context.approx_bytes();
                Ok(Arc::new(KeyAuth {
                    context,
                    policy,
                    weight,
                }))
            })
    }
}

/// An id given by the network: 1 to 64 characters.
fn bounded_id(param: &str, id: &str) -> Result<(), ApiError> {
    if id.is_empty() || id.len() > 64 {
        return Err(ApiError::invalid(
            param,
            format!("The parameter \"{param}\" must be 1 to 64 characters long."),
        ));
    }
    Ok(())
}
