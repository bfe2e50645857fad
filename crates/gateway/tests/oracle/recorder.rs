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

impl AccountStore for Recorder {
    fn account(&self) -> StoreResult<Option<AccountRow>> {
        self.inner.account()
    }
    fn init_account(&self, account: &AccountRow, root_key: &AccessKeyRow) -> StoreResult<()> {
        self.inner.init_account(account, root_key)
    }
}

impl NonceStore for Recorder {
    fn use_nonce(&self, id: &str, nonce: &str, now: i64, exp: i64) -> StoreResult<bool> {
        self.inner.use_nonce(id, nonce, now, exp)
    }
}

impl SettingsStore for Recorder {
    fn get_setting(&self, name: &str) -> StoreResult<Option<String>> {
        self.note(Thing::Account, "get_setting");
        self.inner.get_setting(name)
    }
    fn put_setting(&self, name: &str, value: Option<&str>, now: i64) -> StoreResult<()> {
        self.note(Thing::Account, "put_setting");
        self.inner.put_setting(name, value, now)
    }
}

fn mfa_name(serial: &str) -> Thing {
    Thing::Mfa(serial.rsplit('/').next().unwrap_or_default().to_string())
}

impl MfaStore for Recorder {
    fn create_mfa_device(&self, d: &MfaDeviceRow, max: u64) -> StoreResult<()> {
        self.push(mfa_name(&d.serial_number), "create_mfa_device", true);
        self.inner.create_mfa_device(d, max)
    }
    fn get_mfa_device(&self, serial: &str) -> StoreResult<Option<MfaDeviceRow>> {
        self.note(mfa_name(serial), "get_mfa_device");
        self.inner.get_mfa_device(serial)
    }
    fn list_mfa_devices(&self) -> StoreResult<Vec<MfaDeviceRow>> {
        let all = self.inner.list_mfa_devices()?;
        for d in &all {
            self.note(mfa_name(&d.serial_number), "list_mfa_devices");
        }
        Ok(all)
    }
    fn delete_mfa_device(&self, serial: &str) -> StoreResult<()> {
        self.note(mfa_name(serial), "delete_mfa_device");
        self.inner.delete_mfa_device(serial)
    }
    fn user_mfa_device(&self, user: &str) -> StoreResult<Option<MfaDeviceRow>> {
        self.user(user, "user_mfa_device");
        self.inner.user_mfa_device(user)
    }
    fn bind_mfa_device(&self, user: &str, serial: &str, now: i64, step: i64) -> StoreResult<()> {
        self.user(user, "bind_mfa_device");
        self.note(mfa_name(serial), "bind_mfa_device");
        self.inner.bind_mfa_device(user, serial, now, step)
    }
    fn unbind_mfa_device(&self, user: &str) -> StoreResult<MfaDeviceRow> {
        self.user(user, "unbind_mfa_device");
        self.inner.unbind_mfa_device(user)
    }
    fn use_mfa_step(&self, serial: &str, step: i64) -> StoreResult<bool> {
        self.note(mfa_name(serial), "use_mfa_step");
        self.inner.use_mfa_step(serial, step)
    }
}

impl UserStore for Recorder {
    fn create_user(&self, user: &UserRow, max: u64) -> StoreResult<()> {
        self.push(Thing::User(user.user_name.clone()), "create_user", true);
        self.inner.create_user(user, max)
    }
    fn create_user_with_tags(
        &self,
        user: &UserRow,
        max: u64,
        tags: &[(String, String)],
        max_tags: u64,
    ) -> StoreResult<()> {
        self.push(
            Thing::User(user.user_name.clone()),
            "create_user_with_tags",
            true,
        );
        self.inner.create_user_with_tags(user, max, tags, max_tags)
    }
    fn get_user(&self, name: &str) -> StoreResult<Option<UserRow>> {
        self.user(name, "get_user");
        self.inner.get_user(name)
    }
    fn get_user_by_id(&self, user_id: &str) -> StoreResult<Option<UserRow>> {
        let row = self.inner.get_user_by_id(user_id)?;
        if let Some(u) = &row {
            self.user(&u.user_name, "get_user_by_id");
        }
        Ok(row)
    }
    fn update_user(&self, user: &UserRow) -> StoreResult<()> {
        if let Some(old) = self.user_name_of(&user.user_id) {
            self.user(&old, "update_user");
        }
        self.user(&user.user_name, "update_user");
        self.inner.update_user(user)
    }
    fn delete_user(&self, name: &str) -> StoreResult<()> {
        self.user(name, "delete_user");
        self.inner.delete_user(name)
    }
    fn list_users(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserRow>> {
        self.inner.list_users(after, limit)
    }
    fn create_access_key(&self, user: &str, key: &AccessKeyRow, max: u64) -> StoreResult<()> {
        self.user(user, "create_access_key");
        self.inner.create_access_key(user, key, max)
    }
    fn root_access_keys(&self) -> StoreResult<Vec<AccessKeyRow>> {
        self.inner.root_access_keys()
    }
    fn get_access_key(&self, id: &str) -> StoreResult<Option<AccessKeyRow>> {
        let row = self.inner.get_access_key(id)?;
        if let Some(u) = row.as_ref().and_then(|r| r.user_name.as_deref()) {
            self.user(u, "get_access_key");
        }
        Ok(row)
    }
    fn list_access_keys(&self, user: &str) -> StoreResult<Vec<AccessKeyRow>> {
        self.user(user, "list_access_keys");
        self.inner.list_access_keys(user)
    }
    fn set_access_key_status(
        &self,
        user: &str,
        id: &str,
        status: KeyStatus,
        now: i64,
    ) -> StoreResult<()> {
        self.user(user, "set_access_key_status");
        self.inner.set_access_key_status(user, id, status, now)
    }
    fn delete_access_key(&self, user: &str, id: &str) -> StoreResult<()> {
        self.user(user, "delete_access_key");
        self.inner.delete_access_key(user, id)
    }
    fn touch_access_key(&self, id: &str, now: i64) -> StoreResult<()> {
        if let Some(u) = self.inner.get_access_key(id)?.and_then(|r| r.user_name) {
            self.user(&u, "touch_access_key");
        }
        self.inner.touch_access_key(id, now)
    }
    fn create_login_profile(&self, user: &str, p: &LoginProfileRow) -> StoreResult<()> {
        self.user(user, "create_login_profile");
        self.inner.create_login_profile(user, p)
    }
    fn get_login_profile(&self, user: &str) -> StoreResult<Option<LoginProfileRow>> {
        self.user(user, "get_login_profile");
        self.inner.get_login_profile(user)
    }
    fn update_login_profile(&self, user: &str, p: &LoginProfileRow) -> StoreResult<()> {
        self.user(user, "update_login_profile");
        self.inner.update_login_profile(user, p)
    }
    fn delete_login_profile(&self, user: &str) -> StoreResult<()> {
        self.user(user, "delete_login_profile");
        self.inner.delete_login_profile(user)
    }
}

impl GroupStore for Recorder {
    fn create_group(&self, group: &GroupRow, max: u64) -> StoreResult<()> {
        self.push(Thing::Group(group.group_name.clone()), "create_group", true);
        self.inner.create_group(group, max)
    }
    fn get_group(&self, name: &str) -> StoreResult<Option<GroupRow>> {
        self.group(name, "get_group");
        self.inner.get_group(name)
    }
    fn update_group(&self, group: &GroupRow) -> StoreResult<()> {
        if let Some(old) = self.group_name_of(&group.group_id) {
            self.group(&old, "update_group");
        }
        self.group(&group.group_name, "update_group");
        self.inner.update_group(group)
    }
    fn delete_group(&self, name: &str) -> StoreResult<()> {
        self.group(name, "delete_group");
        self.inner.delete_group(name)
    }
    fn list_groups(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<GroupRow>> {
        self.inner.list_groups(after, limit)
    }
    fn add_user_to_group(&self, user: &str, group: &str, now: i64, max: u64) -> StoreResult<()> {
        self.user(user, "add_user_to_group");
        self.group(group, "add_user_to_group");
        self.inner.add_user_to_group(user, group, now, max)
    }
    fn remove_user_from_group(&self, user: &str, group: &str) -> StoreResult<()> {
        self.user(user, "remove_user_from_group");
        self.group(group, "remove_user_from_group");
        self.inner.remove_user_from_group(user, group)
    }
    fn list_groups_for_user(&self, user: &str) -> StoreResult<Vec<(GroupRow, i64)>> {
        self.user(user, "list_groups_for_user");
        self.inner.list_groups_for_user(user)
    }
    fn list_users_for_group(
        &self,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<(UserRow, i64)>> {
        self.group(group, "list_users_for_group");
        self.inner.list_users_for_group(group, after, limit)
    }
}

impl PolicyStore for Recorder {
    fn create_policy(&self, p: &PolicyRow, first: &PolicyVersionRow, max: u64) -> StoreResult<()> {
        self.push(
            Thing::Policy(PolicyType::Custom, p.policy_name.clone()),
            "create_policy",
            true,
        );
        self.inner.create_policy(p, first, max)
    }
    fn create_policy_with_tags(
        &self,
        p: &PolicyRow,
        first: &PolicyVersionRow,
        max: u64,
        tags: &[(String, String)],
    ) -> StoreResult<()> {
        self.push(
            Thing::Policy(PolicyType::Custom, p.policy_name.clone()),
            "create_policy",
            true,
        );
        self.inner.create_policy_with_tags(p, first, max, tags)
    }
    fn get_policy(&self, name: &str) -> StoreResult<Option<PolicyRow>> {
        self.policy(PolicyType::Custom, name, "get_policy");
        self.inner.get_policy(name)
    }
    fn list_policies(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<PolicyRow>> {
        self.inner.list_policies(after, limit)
    }
    fn update_policy_description(&self, name: &str, d: &str, now: i64) -> StoreResult<()> {
        self.policy(PolicyType::Custom, name, "update_policy_description");
        self.inner.update_policy_description(name, d, now)
    }
    fn delete_policy(&self, name: &str, cascade: bool) -> StoreResult<()> {
        self.policy(PolicyType::Custom, name, "delete_policy");
        self.inner.delete_policy(name, cascade)
    }
    fn create_policy_version(
        &self,
        name: &str,
        document: &str,
        set_default: bool,
        rotate: bool,
        max: u64,
        now: i64,
    ) -> StoreResult<PolicyVersionRow> {
        self.policy(PolicyType::Custom, name, "create_policy_version");
        self.inner
            .create_policy_version(name, document, set_default, rotate, max, now)
    }
    fn get_policy_version(&self, name: &str, v: i64) -> StoreResult<Option<PolicyVersionRow>> {
        self.policy(PolicyType::Custom, name, "get_policy_version");
        self.inner.get_policy_version(name, v)
    }
    fn list_policy_versions(&self, name: &str) -> StoreResult<Vec<PolicyVersionRow>> {
        self.policy(PolicyType::Custom, name, "list_policy_versions");
        self.inner.list_policy_versions(name)
    }
    fn delete_policy_version(&self, name: &str, v: i64) -> StoreResult<()> {
        self.policy(PolicyType::Custom, name, "delete_policy_version");
        self.inner.delete_policy_version(name, v)
    }
    fn set_default_policy_version(&self, name: &str, v: i64, now: i64) -> StoreResult<()> {
        self.policy(PolicyType::Custom, name, "set_default_policy_version");
        self.inner.set_default_policy_version(name, v, now)
    }
    fn attach_policy(
        &self,
        kind: PrincipalKind,
        principal: &str,
        t: PolicyType,
        name: &str,
        now: i64,
        limits: AttachLimits,
    ) -> StoreResult<()> {
        self.principal(kind, principal, "attach_policy");
        self.policy(t, name, "attach_policy");
        self.inner
            .attach_policy(kind, principal, t, name, now, limits)
    }
    fn detach_policy(
        &self,
        kind: PrincipalKind,
        principal: &str,
        t: PolicyType,
        name: &str,
    ) -> StoreResult<()> {
        self.principal(kind, principal, "detach_policy");
        self.policy(t, name, "detach_policy");
        self.inner.detach_policy(kind, principal, t, name)
    }
    fn list_attachments(&self, kind: PrincipalKind, name: &str) -> StoreResult<Vec<AttachmentRow>> {
        self.principal(kind, name, "list_attachments");
        self.inner.list_attachments(kind, name)
    }
    fn list_entities_for_policy(
        &self,
        t: PolicyType,
        name: &str,
    ) -> StoreResult<Vec<AttachedEntity>> {
        self.policy(t, name, "list_entities_for_policy");
        self.inner.list_entities_for_policy(t, name)
    }
    fn attachment_count(&self, t: PolicyType, name: &str) -> StoreResult<u64> {
        self.policy(t, name, "attachment_count");
        self.inner.attachment_count(t, name)
    }
    fn effective_policies_for_user(&self, user_id: &str) -> StoreResult<Vec<EffectivePolicy>> {
        self.inner.effective_policies_for_user(user_id)
    }
    fn effective_policies_for_role(&self, role_id: &str) -> StoreResult<Vec<EffectivePolicy>> {
        self.inner.effective_policies_for_role(role_id)
    }
}

impl RoleStore for Recorder {
    fn create_role(&self, role: &RoleRow, max: u64, system: &[&str]) -> StoreResult<()> {
        self.push(Thing::Role(role.role_name.clone()), "create_role", true);
        self.inner.create_role(role, max, system)
    }
    fn create_role_with_tags(
        &self,
        role: &RoleRow,
        max: u64,
        system: &[&str],
        tags: &[(String, String)],
    ) -> StoreResult<()> {
        self.push(Thing::Role(role.role_name.clone()), "create_role", true);
        self.inner.create_role_with_tags(role, max, system, tags)
    }
    fn get_role(&self, name: &str) -> StoreResult<Option<RoleRow>> {
        self.role(name, "get_role");
        self.inner.get_role(name)
    }
    fn update_role(&self, role: &RoleRow) -> StoreResult<()> {
        self.role(&role.role_name, "update_role");
        self.inner.update_role(role)
    }
    fn delete_role(&self, name: &str) -> StoreResult<()> {
        self.role(name, "delete_role");
        self.inner.delete_role(name)
    }
    fn delete_role_unless_used(
        &self,
        name: &str,
        secret_type: &str,
        limit: u32,
    ) -> StoreResult<Vec<String>> {
        self.role(name, "delete_role_unless_used");
        self.inner.delete_role_unless_used(name, secret_type, limit)
    }
    fn list_roles(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<RoleRow>> {
        self.inner.list_roles(after, limit)
    }
}

impl KmsStore for Recorder {
    fn create_key(
        &self,
        key: &KeyRow,
        first: &KeyVersionRow,
        tags: &[(String, String)],
        max: u64,
    ) -> StoreResult<()> {
        self.push(Thing::Key(key.key_id.clone()), "create_key", true);
        self.inner.create_key(key, first, tags, max)
    }
    fn ensure_default_key(&self, candidate: &KeyRow, first: &KeyVersionRow) -> StoreResult<KeyRow> {
        let k = self.inner.ensure_default_key(candidate, first)?;
        self.key(&k.key_id, "ensure_default_key");
        Ok(k)
    }
    fn get_key(&self, id: &str) -> StoreResult<Option<KeyRow>> {
        self.key(id, "get_key");
        self.inner.get_key(id)
    }
    fn list_keys(&self, offset: u64, limit: u32) -> StoreResult<(Vec<KeyRow>, u64)> {
        self.inner.list_keys(offset, limit)
    }
    fn update_key(&self, key: &KeyRow) -> StoreResult<()> {
        self.key(&key.key_id, "update_key");
        self.inner.update_key(key)
    }
    fn set_key_material(&self, key: &KeyRow, v: &str, sealed: &[u8]) -> StoreResult<()> {
        self.key(&key.key_id, "set_key_material");
        self.inner.set_key_material(key, v, sealed)
    }
    fn add_key_version(&self, id: &str, v: &KeyVersionRow) -> StoreResult<()> {
        self.key(id, "add_key_version");
        self.inner.add_key_version(id, v)
    }
    fn add_key_version_within(&self, id: &str, v: &KeyVersionRow, max: u64) -> StoreResult<()> {
        self.key(id, "add_key_version");
        self.inner.add_key_version_within(id, v, max)
    }
    fn get_key_version(&self, id: &str, v: &str) -> StoreResult<Option<KeyVersionRow>> {
        self.key(id, "get_key_version");
        self.inner.get_key_version(id, v)
    }
    fn list_key_versions(&self, id: &str) -> StoreResult<Vec<KeyVersionRow>> {
        self.key(id, "list_key_versions");
        self.inner.list_key_versions(id)
    }
    fn purge_keys(&self, now: i64) -> StoreResult<Vec<String>> {
        self.inner.purge_keys(now)
    }
    fn create_alias(&self, alias: &AliasRow) -> StoreResult<()> {
        self.push(Thing::Alias(alias.alias_name.clone()), "create_alias", true);
        self.key(&alias.key_id, "create_alias");
        self.inner.create_alias(alias)
    }
    fn update_alias(&self, name: &str, key_id: &str, now: i64) -> StoreResult<()> {
        self.note(Thing::Alias(name.into()), "update_alias");
        self.key(key_id, "update_alias");
        self.inner.update_alias(name, key_id, now)
    }
    fn delete_alias(&self, name: &str) -> StoreResult<()> {
        self.note(Thing::Alias(name.into()), "delete_alias");
        self.inner.delete_alias(name)
    }
    /// Reading an alias only turns a name into a key id (resolution);
    /// what is done with the key is recorded on the key.
    fn get_alias(&self, name: &str) -> StoreResult<Option<AliasRow>> {
        self.inner.get_alias(name)
    }
    fn list_aliases(
        &self,
        key_id: Option<&str>,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<AliasRow>, u64)> {
        if let Some(k) = key_id {
            self.key(k, "list_aliases");
        }
        self.inner.list_aliases(key_id, offset, limit)
    }
    fn tag_resource(
        &self,
        kind: TagResource,
        id: &str,
        tags: &[(String, String)],
        max: u64,
    ) -> StoreResult<()> {
        self.tagged(kind, id, "tag_resource");
        self.inner.tag_resource(kind, id, tags, max)
    }
    fn untag_resource(&self, kind: TagResource, id: &str, keys: &[String]) -> StoreResult<()> {
        self.tagged(kind, id, "untag_resource");
        self.inner.untag_resource(kind, id, keys)
    }
    fn list_tags(&self, kind: TagResource, id: &str) -> StoreResult<Vec<(String, String)>> {
        self.tagged(kind, id, "list_tags");
        self.inner.list_tags(kind, id)
    }
    fn tag_resources(
        &self,
        items: &[(TagResource, String)],
        tags: &[(String, String)],
        max: u64,
    ) -> StoreResult<()> {
        for (kind, id) in items {
            self.tagged(*kind, id, "tag_resources");
        }
        self.inner.tag_resources(items, tags, max)
    }
    fn untag_resources(
        &self,
        items: &[(TagResource, String)],
        keys: Option<&[String]>,
    ) -> StoreResult<()> {
        for (kind, id) in items {
            self.tagged(*kind, id, "untag_resources");
        }
        self.inner.untag_resources(items, keys)
    }
}

impl SecretStore for Recorder {
    fn create_secret(
        &self,
        secret: &SecretRow,
        first: &SecretVersionRow,
        tags: &[(String, String)],
        max: u64,
    ) -> StoreResult<()> {
        self.push(
            Thing::Secret(secret.secret_name.clone()),
            "create_secret",
            true,
        );
        self.key(&secret.encryption_key_id, "create_secret");
        self.key(&first.key_id, "create_secret");
        self.inner.create_secret(secret, first, tags, max)
    }
    fn create_secret_with(&self, new: &NewSecret<'_>) -> StoreResult<()> {
        self.push(
            Thing::Secret(new.secret.secret_name.clone()),
            "create_secret_with",
            true,
        );
        self.key(&new.secret.encryption_key_id, "create_secret_with");
        for (v, _) in new.versions {
            self.key(&v.key_id, "create_secret_with");
        }
        self.inner.create_secret_with(new)
    }
    fn db_account_holders(
        &self,
        instance_id: &str,
        accounts: &[String],
    ) -> StoreResult<Vec<(String, String)>> {
        self.inner.db_account_holders(instance_id, accounts)
    }
    fn get_secret(&self, name: &str) -> StoreResult<Option<SecretRow>> {
        self.secret(name, "get_secret");
        self.inner.get_secret(name)
    }
    fn list_secrets(&self) -> StoreResult<Vec<SecretRow>> {
        self.inner.list_secrets()
    }
    fn update_secret(&self, secret: &SecretRow) -> StoreResult<()> {
        self.secret(&secret.secret_name, "update_secret");
        self.inner.update_secret(secret)
    }
    fn put_secret_version(
        &self,
        name: &str,
        v: &SecretVersionRow,
        stages: &[String],
        max: u64,
    ) -> StoreResult<()> {
        self.secret(name, "put_secret_version");
        self.key(&v.key_id, "put_secret_version");
        self.inner.put_secret_version(name, v, stages, max)
    }
    fn get_secret_version(
        &self,
        name: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> StoreResult<Option<StagedVersion>> {
        self.secret(name, "get_secret_version");
        self.inner.get_secret_version(name, version_id, stage)
    }
    fn get_secret_with_version(
        &self,
        name: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> StoreResult<Option<(SecretRow, Option<StagedVersion>)>> {
        self.secret(name, "get_secret_with_version");
        self.inner.get_secret_with_version(name, version_id, stage)
    }
    fn list_secret_versions(&self, name: &str) -> StoreResult<Vec<StagedVersion>> {
        self.secret(name, "list_secret_versions");
        self.inner.list_secret_versions(name)
    }
    fn move_secret_stage(&self, name: &str, mv: &StageMove, now: i64) -> StoreResult<()> {
        self.secret(name, "move_secret_stage");
        self.inner.move_secret_stage(name, mv, now)
    }
    fn delete_secret(&self, name: &str) -> StoreResult<()> {
        self.secret(name, "delete_secret");
        self.inner.delete_secret(name)
    }
    fn purge_secrets(&self, now: i64) -> StoreResult<Vec<String>> {
        self.inner.purge_secrets(now)
    }
}

impl RotationStore for Recorder {
    fn claim_due_rotations(
        &self,
        now: i64,
        lease_now: i64,
        owner: &str,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<String>> {
        self.inner
            .claim_due_rotations(now, lease_now, owner, lease_until, limit)
    }
    fn claim_rotation(&self, name: &str, now: i64, owner: &str, until: i64) -> StoreResult<bool> {
        self.secret(name, "claim_rotation");
        self.inner.claim_rotation(name, now, owner, until)
    }
    fn release_rotation(&self, name: &str, owner: &str) -> StoreResult<()> {
        self.secret(name, "release_rotation");
        self.inner.release_rotation(name, owner)
    }
    fn commit_rotation(&self, c: &RotationCommit<'_>) -> StoreResult<()> {
        self.secret(c.secret_name, "commit_rotation");
        self.user(c.user_name, "commit_rotation");
        self.key(&c.version.key_id, "commit_rotation");
        self.inner.commit_rotation(c)
    }
    fn finish_rotation(
        &self,
        name: &str,
        owner: &str,
        user: &str,
        previous: &str,
    ) -> StoreResult<()> {
        self.secret(name, "finish_rotation");
        self.user(user, "finish_rotation");
        self.inner.finish_rotation(name, owner, user, previous)
    }
    fn stage_pending(&self, name: &str, owner: &str, v: &SecretVersionRow) -> StoreResult<()> {
        self.secret(name, "stage_pending");
        self.key(&v.key_id, "stage_pending");
        self.inner.stage_pending(name, owner, v)
    }
    fn commit_pending(
        &self,
        name: &str,
        owner: &str,
        now: i64,
        next: Option<i64>,
        rotated: bool,
    ) -> StoreResult<()> {
        self.secret(name, "commit_pending");
        self.inner.commit_pending(name, owner, now, next, rotated)
    }
    fn record_rotation_failure(
        &self,
        name: &str,
        owner: &str,
        error: &str,
        retry_at: i64,
    ) -> StoreResult<()> {
        self.secret(name, "record_rotation_failure");
        self.inner
            .record_rotation_failure(name, owner, error, retry_at)
    }
}

impl FederationStore for Recorder {
    fn create_provider(&self, kind: ProviderKind, row: &ProviderRow, max: u64) -> StoreResult<()> {
        self.push(
            Thing::Provider(kind, row.name.clone()),
            "create_provider",
            true,
        );
        self.inner.create_provider(kind, row, max)
    }
    fn get_provider(&self, kind: ProviderKind, name: &str) -> StoreResult<Option<ProviderRow>> {
        self.note(Thing::Provider(kind, name.into()), "get_provider");
        self.inner.get_provider(kind, name)
    }
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
    fn update_provider(&self, kind: ProviderKind, row: &ProviderRow) -> StoreResult<()> {
        self.note(Thing::Provider(kind, row.name.clone()), "update_provider");
        self.inner.update_provider(kind, row)
    }
    fn delete_provider(&self, kind: ProviderKind, name: &str) -> StoreResult<()> {
        self.note(Thing::Provider(kind, name.into()), "delete_provider");
        self.inner.delete_provider(kind, name)
    }
    fn use_saml_assertion(&self, p: &str, id: &str, exp: i64, now: i64) -> StoreResult<bool> {
        self.inner.use_saml_assertion(p, id, exp, now)
    }
}

impl ConsoleSessionStore for Recorder {
    fn open_console_session(&self, row: &ConsoleSessionRow, now: i64, max: u64) -> StoreResult<()> {
        self.inner.open_console_session(row, now, max)
    }
    fn get_console_session(&self, hash: &str, now: i64) -> StoreResult<Option<ConsoleSessionRow>> {
        self.inner.get_console_session(hash, now)
    }
    fn close_console_session(&self, hash: &str) -> StoreResult<()> {
        self.inner.close_console_session(hash)
    }
    fn login_failures(&self, user_id: &str, now: i64, w: i64) -> StoreResult<Option<(u32, i64)>> {
        self.inner.login_failures(user_id, now, w)
    }
    fn count_login_failure(&self, user_id: &str, now: i64, w: i64) -> StoreResult<(u32, i64)> {
        self.inner.count_login_failure(user_id, now, w)
    }
    fn take_back_login_failure(&self, user_id: &str) -> StoreResult<()> {
        self.inner.take_back_login_failure(user_id)
    }
    fn clear_login_failures(&self, user_id: &str) -> StoreResult<()> {
        self.inner.clear_login_failures(user_id)
    }
}

impl AuditStore for Recorder {
    fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()> {
        self.inner.append_audit(events)
    }
    fn lookup_audit(&self, q: &AuditQuery) -> StoreResult<rampart_store::AuditPage> {
        self.inner.lookup_audit(q)
    }
    fn delete_audit_before(&self, before: i64, batch: u32) -> StoreResult<u64> {
        self.inner.delete_audit_before(before, batch)
    }
}
