//! A store that records every entity a request reads or writes, by its
//! stored identity, and forwards to the embedded store. It reports no write
//! generation, so nothing is served from the domain's read caches: every
//! read reaches it.

use std::sync::Mutex;

use rampart_store::*;

/// An entity, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Thing {
    User(String),
    Group(String),
    Role(String),
    Policy(PolicyType, String),
    Key(String),
    Alias(String),
    Secret(String),
    /// An account-wide setting (password policy, security preference, alias).
    Account,
    /// A virtual MFA device, by name.
    Mfa(String),
    /// An identity provider, by kind and name.
    Provider(ProviderKind, String),
}

/// One read or write of an entity.
#[derive(Debug, Clone)]
pub struct Touch {
    pub thing: Thing,
    /// The store method.
    pub via: &'static str,
    /// Whether the call creates the entity.
    pub create: bool,
    /// Whether the entity is the service's own default key.
    pub default_key: bool,
}

pub struct Recorder {
    pub inner: SqliteStore,
    log: Mutex<Vec<Touch>>,
}

impl Recorder {
    pub fn new(inner: SqliteStore) -> Self {
        Self {
            inner,
            log: Mutex::new(Vec::new()),
        }
    }

    pub fn take(&self) -> Vec<Touch> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }

    fn push(&self, thing: Thing, via: &'static str, create: bool) {
        let default_key = match &thing {
            Thing::Key(id) => self
                .inner
                .get_key(id)
                .ok()
                .flatten()
                .is_some_and(|k| k.is_default),
            _ => false,
        };
        self.log.lock().unwrap().push(Touch {
            thing,
            via,
            create,
            default_key,
        });
    }

    fn note(&self, thing: Thing, via: &'static str) {
        self.push(thing, via, false);
    }

    fn user(&self, name: &str, via: &'static str) {
        self.note(Thing::User(name.into()), via);
    }

    fn group(&self, name: &str, via: &'static str) {
        self.note(Thing::Group(name.into()), via);
    }

    /// Roles are found whatever the case: record the stored name.
    fn role(&self, name: &str, via: &'static str) {
        let stored = self
            .inner
            .get_role(name)
            .ok()
            .flatten()
            .map_or_else(|| name.to_string(), |r| r.role_name);
        self.note(Thing::Role(stored), via);
    }

    fn principal(&self, kind: PrincipalKind, name: &str, via: &'static str) {
        match kind {
            PrincipalKind::User => self.user(name, via),
            PrincipalKind::Group => self.group(name, via),
            PrincipalKind::Role => self.role(name, via),
        }
    }

    fn policy(&self, t: PolicyType, name: &str, via: &'static str) {
        self.note(Thing::Policy(t, name.into()), via);
    }

    fn key(&self, id: &str, via: &'static str) {
        self.note(Thing::Key(id.into()), via);
    }

    fn secret(&self, name: &str, via: &'static str) {
        self.note(Thing::Secret(name.into()), via);
    }

    fn tagged(&self, kind: TagResource, id: &str, via: &'static str) {
        match kind {
            TagResource::Key => self.key(id, via),
            TagResource::Secret => self.secret(id, via),
            TagResource::Role => {
                let name = self
                    .inner
                    .list_roles(None, 10_000)
                    .ok()
                    .and_then(|all| all.into_iter().find(|r| r.role_id == id))
                    .map_or_else(|| id.to_string(), |r| r.role_name);
                self.note(Thing::Role(name), via);
            }
            TagResource::Policy => self.policy(PolicyType::Custom, id, via),
            TagResource::User => {
                let name = self.user_name_of(id).unwrap_or_else(|| id.to_string());
                self.user(&name, via);
            }
        }
    }

    fn user_name_of(&self, user_id: &str) -> Option<String> {
        self.inner
            .list_users(None, 10_000)
            .ok()?
            .into_iter()
            .find(|u| u.user_id == user_id)
            .map(|u| u.user_name)
    }

    fn group_name_of(&self, group_id: &str) -> Option<String> {
        self.inner
            .list_groups(None, 10_000)
            .ok()?
            .into_iter()
            .find(|g| g.group_id == group_id)
            .map(|g| g.group_name)
    }
}

/// Implements a store trait for [`Recorder`]: every method is forwarded to
/// the embedded store, unchanged; a method followed by `=> |r, via| …`
/// first records what it touches (`via` is the method's name). Methods
/// that record what they found, after the call, are written out in the
/// trailing `after { … }` block.
macro_rules! record {
    (
        $store:ident {
            $( fn $name:ident($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty
                $( => |$r:ident, $via:ident| $touch:expr )? ; )*
        }
        $( after { $($after:tt)* } )?
    ) => {
        impl $store for Recorder {
            $(
                fn $name(&self, $($arg: $ty),*) -> $ret {
                    $( {
                        let $r = self;
                        let $via = stringify!($name);
                        $touch;
                    } )?
                    self.inner.$name($($arg),*)
                }
            )*
            $( $($after)* )?
        }
    };
}

fn mfa_name(serial: &str) -> Thing {
    Thing::Mfa(serial.rsplit('/').next().unwrap_or_default().to_string())
}

record! { AccountStore {
    fn account() -> StoreResult<Option<AccountRow>>;
    fn init_account(account: &AccountRow, root_key: &AccessKeyRow) -> StoreResult<()>;
} }

record! { NonceStore {
    fn use_nonce(id: &str, nonce: &str, now: i64, exp: i64) -> StoreResult<bool>;
} }

record! { SettingsStore {
    fn get_setting(name: &str) -> StoreResult<Option<String>> => |r, via| r.note(Thing::Account, via);
    fn put_setting(name: &str, value: Option<&str>, now: i64) -> StoreResult<()>
        => |r, via| r.note(Thing::Account, via);
} }

record! { MfaStore {
    fn create_mfa_device(d: &MfaDeviceRow, max: u64) -> StoreResult<()>
        => |r, via| r.push(mfa_name(&d.serial_number), via, true);
    fn get_mfa_device(serial: &str) -> StoreResult<Option<MfaDeviceRow>>
        => |r, via| r.note(mfa_name(serial), via);
    fn delete_mfa_device(serial: &str) -> StoreResult<()> => |r, via| r.note(mfa_name(serial), via);
    fn user_mfa_device(user: &str) -> StoreResult<Option<MfaDeviceRow>> => |r, via| r.user(user, via);
    fn bind_mfa_device(user: &str, serial: &str, now: i64, step: i64) -> StoreResult<()>
        => |r, via| { r.user(user, via); r.note(mfa_name(serial), via) };
    fn unbind_mfa_device(user: &str) -> StoreResult<MfaDeviceRow> => |r, via| r.user(user, via);
    fn use_mfa_step(serial: &str, step: i64) -> StoreResult<bool> => |r, via| r.note(mfa_name(serial), via);
}
after {
    fn list_mfa_devices(&self) -> StoreResult<Vec<MfaDeviceRow>> {
        let all = self.inner.list_mfa_devices()?;
        for d in &all {
            self.note(mfa_name(&d.serial_number), "list_mfa_devices");
        }
        Ok(all)
    }
} }

record! { UserStore {
    fn create_user(user: &UserRow, max: u64) -> StoreResult<()>
        => |r, via| r.push(Thing::User(user.user_name.clone()), via, true);
    fn create_user_with_tags(user: &UserRow, max: u64, tags: &[(String, String)], max_tags: u64) -> StoreResult<()>
        => |r, via| r.push(Thing::User(user.user_name.clone()), via, true);
    fn get_user(name: &str) -> StoreResult<Option<UserRow>> => |r, via| r.user(name, via);
    fn update_user(user: &UserRow) -> StoreResult<()> => |r, via| {
        if let Some(old) = r.user_name_of(&user.user_id) {
            r.user(&old, via);
        }
        r.user(&user.user_name, via)
    };
    fn delete_user(name: &str) -> StoreResult<()> => |r, via| r.user(name, via);
    fn list_users(after: Option<&str>, limit: u32) -> StoreResult<Vec<UserRow>>;
    fn create_access_key(user: &str, key: &AccessKeyRow, max: u64) -> StoreResult<()> => |r, via| r.user(user, via);
    fn root_access_keys() -> StoreResult<Vec<AccessKeyRow>>;
    fn list_access_keys(user: &str) -> StoreResult<Vec<AccessKeyRow>> => |r, via| r.user(user, via);
    fn set_access_key_status(user: &str, id: &str, status: KeyStatus, now: i64) -> StoreResult<()>
        => |r, via| r.user(user, via);
    fn delete_access_key(user: &str, id: &str) -> StoreResult<()> => |r, via| r.user(user, via);
    fn touch_access_key(id: &str, now: i64) -> StoreResult<()> => |r, via| {
        if let Some(u) = r.inner.get_access_key(id).ok().flatten().and_then(|k| k.user_name) {
            r.user(&u, via);
        }
    };
    fn create_login_profile(user: &str, p: &LoginProfileRow) -> StoreResult<()> => |r, via| r.user(user, via);
    fn get_login_profile(user: &str) -> StoreResult<Option<LoginProfileRow>> => |r, via| r.user(user, via);
    fn update_login_profile(user: &str, p: &LoginProfileRow) -> StoreResult<()> => |r, via| r.user(user, via);
    fn delete_login_profile(user: &str) -> StoreResult<()> => |r, via| r.user(user, via);
}
after {
    fn get_user_by_id(&self, user_id: &str) -> StoreResult<Option<UserRow>> {
        let row = self.inner.get_user_by_id(user_id)?;
        if let Some(u) = &row {
            self.user(&u.user_name, "get_user_by_id");
        }
        Ok(row)
    }
    fn get_access_key(&self, id: &str) -> StoreResult<Option<AccessKeyRow>> {
        let row = self.inner.get_access_key(id)?;
        if let Some(u) = row.as_ref().and_then(|r| r.user_name.as_deref()) {
            self.user(u, "get_access_key");
        }
        Ok(row)
    }
} }

record! { GroupStore {
    fn create_group(group: &GroupRow, max: u64) -> StoreResult<()>
        => |r, via| r.push(Thing::Group(group.group_name.clone()), via, true);
    fn get_group(name: &str) -> StoreResult<Option<GroupRow>> => |r, via| r.group(name, via);
    fn update_group(group: &GroupRow) -> StoreResult<()> => |r, via| {
        if let Some(old) = r.group_name_of(&group.group_id) {
            r.group(&old, via);
        }
        r.group(&group.group_name, via)
    };
    fn delete_group(name: &str) -> StoreResult<()> => |r, via| r.group(name, via);
    fn list_groups(after: Option<&str>, limit: u32) -> StoreResult<Vec<GroupRow>>;
    fn add_user_to_group(user: &str, group: &str, now: i64, max: u64) -> StoreResult<()>
        => |r, via| { r.user(user, via); r.group(group, via) };
    fn remove_user_from_group(user: &str, group: &str) -> StoreResult<()>
        => |r, via| { r.user(user, via); r.group(group, via) };
    fn list_groups_for_user(user: &str) -> StoreResult<Vec<(GroupRow, i64)>> => |r, via| r.user(user, via);
    fn list_users_for_group(group: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<(UserRow, i64)>>
        => |r, via| r.group(group, via);
} }

record! { PolicyStore {
    fn create_policy(p: &PolicyRow, first: &PolicyVersionRow, max: u64) -> StoreResult<()>
        => |r, via| r.push(Thing::Policy(PolicyType::Custom, p.policy_name.clone()), via, true);
    fn create_policy_with_tags(p: &PolicyRow, first: &PolicyVersionRow, max: u64, tags: &[(String, String)]) -> StoreResult<()>
        => |r, via| r.push(Thing::Policy(PolicyType::Custom, p.policy_name.clone()), via, true);
    fn get_policy(name: &str) -> StoreResult<Option<PolicyRow>> => |r, via| r.policy(PolicyType::Custom, name, via);
    fn list_policies(after: Option<&str>, limit: u32) -> StoreResult<Vec<PolicyRow>>;
    fn update_policy_description(name: &str, d: &str, now: i64) -> StoreResult<()>
        => |r, via| r.policy(PolicyType::Custom, name, via);
    fn delete_policy(name: &str, cascade: bool) -> StoreResult<()> => |r, via| r.policy(PolicyType::Custom, name, via);
    fn create_policy_version(name: &str, document: &str, set_default: bool, rotate: bool, max: u64, now: i64) -> StoreResult<PolicyVersionRow>
        => |r, via| r.policy(PolicyType::Custom, name, via);
    fn get_policy_version(name: &str, v: i64) -> StoreResult<Option<PolicyVersionRow>>
        => |r, via| r.policy(PolicyType::Custom, name, via);
    fn list_policy_versions(name: &str) -> StoreResult<Vec<PolicyVersionRow>>
        => |r, via| r.policy(PolicyType::Custom, name, via);
    fn delete_policy_version(name: &str, v: i64) -> StoreResult<()> => |r, via| r.policy(PolicyType::Custom, name, via);
    fn set_default_policy_version(name: &str, v: i64, now: i64) -> StoreResult<()>
        => |r, via| r.policy(PolicyType::Custom, name, via);
    fn attach_policy(kind: PrincipalKind, principal: &str, t: PolicyType, name: &str, now: i64, limits: AttachLimits) -> StoreResult<()>
        => |r, via| { r.principal(kind, principal, via); r.policy(t, name, via) };
    fn detach_policy(kind: PrincipalKind, principal: &str, t: PolicyType, name: &str) -> StoreResult<()>
        => |r, via| { r.principal(kind, principal, via); r.policy(t, name, via) };
    fn list_attachments(kind: PrincipalKind, name: &str) -> StoreResult<Vec<AttachmentRow>>
        => |r, via| r.principal(kind, name, via);
    fn list_entities_for_policy(t: PolicyType, name: &str) -> StoreResult<Vec<AttachedEntity>> => |r, via| r.policy(t, name, via);
    fn attachment_count(t: PolicyType, name: &str) -> StoreResult<u64> => |r, via| r.policy(t, name, via);
    fn effective_policies_for_user(user_id: &str) -> StoreResult<Vec<EffectivePolicy>>;
    fn effective_policies_for_role(role_id: &str) -> StoreResult<Vec<EffectivePolicy>>;
} }

record! { RoleStore {
    fn create_role(role: &RoleRow, max: u64, system: &[&str]) -> StoreResult<()>
        => |r, via| r.push(Thing::Role(role.role_name.clone()), via, true);
    fn create_role_with_tags(role: &RoleRow, max: u64, system: &[&str], tags: &[(String, String)]) -> StoreResult<()>
        => |r, via| r.push(Thing::Role(role.role_name.clone()), via, true);
    fn get_role(name: &str) -> StoreResult<Option<RoleRow>> => |r, via| r.role(name, via);
    fn update_role(role: &RoleRow) -> StoreResult<()> => |r, via| r.role(&role.role_name, via);
    fn delete_role(name: &str) -> StoreResult<()> => |r, via| r.role(name, via);
    fn delete_role_unless_used(name: &str, secret_type: &str, limit: u32) -> StoreResult<Vec<String>>
        => |r, via| r.role(name, via);
    fn list_roles(after: Option<&str>, limit: u32) -> StoreResult<Vec<RoleRow>>;
} }

record! { KmsStore {
    fn create_key(key: &KeyRow, first: &KeyVersionRow, tags: &[(String, String)], max: u64) -> StoreResult<()>
        => |r, via| r.push(Thing::Key(key.key_id.clone()), via, true);
    fn get_key(id: &str) -> StoreResult<Option<KeyRow>> => |r, via| r.key(id, via);
    fn list_keys(offset: u64, limit: u32) -> StoreResult<(Vec<KeyRow>, u64)>;
    fn update_key(key: &KeyRow) -> StoreResult<()> => |r, via| r.key(&key.key_id, via);
    fn set_key_material(key: &KeyRow, v: &str, sealed: &[u8]) -> StoreResult<()> => |r, via| r.key(&key.key_id, via);
    fn add_key_version(id: &str, v: &KeyVersionRow) -> StoreResult<()> => |r, via| r.key(id, via);
    fn add_key_version_within(id: &str, v: &KeyVersionRow, max: u64) -> StoreResult<()> => |r, via| r.key(id, via);
    fn get_key_version(id: &str, v: &str) -> StoreResult<Option<KeyVersionRow>> => |r, via| r.key(id, via);
    fn list_key_versions(id: &str) -> StoreResult<Vec<KeyVersionRow>> => |r, via| r.key(id, via);
    fn purge_keys(now: i64) -> StoreResult<Vec<String>>;
    fn create_alias(alias: &AliasRow) -> StoreResult<()>
        => |r, via| { r.push(Thing::Alias(alias.alias_name.clone()), via, true); r.key(&alias.key_id, via) };
    fn update_alias(name: &str, key_id: &str, now: i64) -> StoreResult<()>
        => |r, via| { r.note(Thing::Alias(name.into()), via); r.key(key_id, via) };
    fn delete_alias(name: &str) -> StoreResult<()> => |r, via| r.note(Thing::Alias(name.into()), via);
    // Reading an alias only turns a name into a key id (resolution); what
    // is done with the key is recorded on the key.
    fn get_alias(name: &str) -> StoreResult<Option<AliasRow>>;
    fn list_aliases(key_id: Option<&str>, offset: u64, limit: u32) -> StoreResult<(Vec<AliasRow>, u64)>
        => |r, via| if let Some(k) = key_id { r.key(k, via) };
    fn tag_resource(kind: TagResource, id: &str, tags: &[(String, String)], max: u64) -> StoreResult<()>
        => |r, via| r.tagged(kind, id, via);
    fn untag_resource(kind: TagResource, id: &str, keys: &[String]) -> StoreResult<()> => |r, via| r.tagged(kind, id, via);
    fn list_tags(kind: TagResource, id: &str) -> StoreResult<Vec<(String, String)>> => |r, via| r.tagged(kind, id, via);
    fn tag_resources(items: &[(TagResource, String)], tags: &[(String, String)], max: u64) -> StoreResult<()>
        => |r, via| for (kind, id) in items { r.tagged(*kind, id, via) };
    fn untag_resources(items: &[(TagResource, String)], keys: Option<&[String]>) -> StoreResult<()>
        => |r, via| for (kind, id) in items { r.tagged(*kind, id, via) };
}
after {
    fn ensure_default_key(&self, candidate: &KeyRow, first: &KeyVersionRow) -> StoreResult<KeyRow> {
        let k = self.inner.ensure_default_key(candidate, first)?;
        self.key(&k.key_id, "ensure_default_key");
        Ok(k)
    }
} }

record! { SecretStore {
    fn create_secret(secret: &SecretRow, first: &SecretVersionRow, tags: &[(String, String)], max: u64) -> StoreResult<()>
        => |r, via| {
            r.push(Thing::Secret(secret.secret_name.clone()), via, true);
            r.key(&secret.encryption_key_id, via);
            r.key(&first.key_id, via)
        };
    fn create_secret_with(new: &NewSecret<'_>) -> StoreResult<()> => |r, via| {
        r.push(Thing::Secret(new.secret.secret_name.clone()), via, true);
        r.key(&new.secret.encryption_key_id, via);
        for (v, _) in new.versions {
            r.key(&v.key_id, via);
        }
    };
    fn db_account_holders(instance_id: &str, accounts: &[String]) -> StoreResult<Vec<(String, String)>>;
    fn get_secret(name: &str) -> StoreResult<Option<SecretRow>> => |r, via| r.secret(name, via);
    fn list_secrets() -> StoreResult<Vec<SecretRow>>;
    fn update_secret(secret: &SecretRow) -> StoreResult<()> => |r, via| r.secret(&secret.secret_name, via);
    fn put_secret_version(name: &str, v: &SecretVersionRow, stages: &[String], max: u64) -> StoreResult<()>
        => |r, via| { r.secret(name, via); r.key(&v.key_id, via) };
    fn get_secret_version(name: &str, version_id: Option<&str>, stage: Option<&str>) -> StoreResult<Option<StagedVersion>>
        => |r, via| r.secret(name, via);
    fn get_secret_with_version(name: &str, version_id: Option<&str>, stage: Option<&str>)
        -> StoreResult<Option<(SecretRow, Option<StagedVersion>)>> => |r, via| r.secret(name, via);
    fn list_secret_versions(name: &str) -> StoreResult<Vec<StagedVersion>> => |r, via| r.secret(name, via);
    fn move_secret_stage(name: &str, mv: &StageMove, now: i64) -> StoreResult<()> => |r, via| r.secret(name, via);
    fn delete_secret(name: &str) -> StoreResult<()> => |r, via| r.secret(name, via);
    fn purge_secrets(now: i64) -> StoreResult<Vec<String>>;
} }

record! { RotationStore {
    fn claim_due_rotations(now: i64, lease_now: i64, owner: &str, lease_until: i64, limit: u32) -> StoreResult<Vec<String>>;
    fn claim_rotation(name: &str, now: i64, owner: &str, until: i64) -> StoreResult<bool> => |r, via| r.secret(name, via);
    fn release_rotation(name: &str, owner: &str) -> StoreResult<()> => |r, via| r.secret(name, via);
    fn commit_rotation(c: &RotationCommit<'_>) -> StoreResult<()> => |r, via| {
        r.secret(c.secret_name, via);
        r.user(c.user_name, via);
        r.key(&c.version.key_id, via)
    };
    fn finish_rotation(name: &str, owner: &str, user: &str, previous: &str) -> StoreResult<()>
        => |r, via| { r.secret(name, via); r.user(user, via) };
    fn stage_pending(name: &str, owner: &str, v: &SecretVersionRow) -> StoreResult<()>
        => |r, via| { r.secret(name, via); r.key(&v.key_id, via) };
    fn commit_pending(name: &str, owner: &str, now: i64, next: Option<i64>, rotated: bool) -> StoreResult<()>
        => |r, via| r.secret(name, via);
    fn record_rotation_failure(name: &str, owner: &str, error: &str, retry_at: i64) -> StoreResult<()>
        => |r, via| r.secret(name, via);
} }

record! { FederationStore {
    fn create_provider(kind: ProviderKind, row: &ProviderRow, max: u64) -> StoreResult<()>
        => |r, via| r.push(Thing::Provider(kind, row.name.clone()), via, true);
    fn get_provider(kind: ProviderKind, name: &str) -> StoreResult<Option<ProviderRow>>
        => |r, via| r.note(Thing::Provider(kind, name.into()), via);
    fn update_provider(kind: ProviderKind, row: &ProviderRow) -> StoreResult<()>
        => |r, via| r.note(Thing::Provider(kind, row.name.clone()), via);
    fn delete_provider(kind: ProviderKind, name: &str) -> StoreResult<()>
        => |r, via| r.note(Thing::Provider(kind, name.into()), via);
    fn use_saml_assertion(p: &str, id: &str, exp: i64, now: i64) -> StoreResult<bool>;
}
after {
    fn list_providers(
        &self,
        kind: ProviderKind,
        marker: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ProviderRow>> {
        let rows = self.inner.list_providers(kind, marker, limit)?;
        for r in &rows {
            self.note(Thing::Provider(kind, r.name.clone()), "list_providers");
        }
        Ok(rows)
    }
} }

// Sessions, logon failures and the audit trail are no entity a request
// names: forwarded, nothing recorded.
record! { ConsoleSessionStore {
    fn open_console_session(row: &ConsoleSessionRow, now: i64, max: u64) -> StoreResult<()>;
    fn get_console_session(hash: &str, now: i64) -> StoreResult<Option<ConsoleSessionRow>>;
    fn close_console_session(hash: &str) -> StoreResult<()>;
    fn login_failures(user_id: &str, now: i64, w: i64) -> StoreResult<Option<(u32, i64)>>;
    fn count_login_failure(user_id: &str, now: i64, w: i64) -> StoreResult<(u32, i64)>;
    fn take_back_login_failure(user_id: &str) -> StoreResult<()>;
    fn clear_login_failures(user_id: &str) -> StoreResult<()>;
} }

record! { AuditStore {
    fn append_audit(events: &[AuditEvent]) -> StoreResult<()>;
    fn lookup_audit(q: &AuditQuery) -> StoreResult<rampart_store::AuditPage>;
    fn delete_audit_before(before: i64, batch: u32) -> StoreResult<u64>;
} }
