//! `--seed FILE`: an account described in YAML or JSON (docs/test-mode.md),
//! created at start through the domain's own methods, as the actions do.
//! Idempotent: what exists already (by name; a key by its alias) is left
//! as it is, so a second start with the same file changes nothing.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use rampart_core::kms::keys::{CreateKey, KeyId};
use rampart_core::kms::secrets::CreateSecret;
use rampart_core::ram::{CreateGroup, CreateRole, CreateUser, GroupName, UserName};
use rampart_core::{ApiError, Rampart};
use rampart_store::{PolicyType, PrincipalKind};
use serde::Deserialize;
use serde_json::Value;

/// The file written with the AccessKeys the seed created (mode 0600).
pub const CREDENTIALS_FILE: &str = "seed-credentials.json";

/// A seed file, read and checked.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    policies: Vec<SeedPolicy>,
    #[serde(default)]
    roles: Vec<SeedRole>,
    #[serde(default)]
    groups: Vec<SeedGroup>,
    #[serde(default)]
    users: Vec<SeedUser>,
    #[serde(default)]
    keys: Vec<SeedKey>,
    #[serde(default)]
    secrets: Vec<SeedSecret>,
    /// Where it was read from (for messages).
    #[serde(skip)]
    path: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SeedPolicy {
    policy_name: String,
    /// A JSON string or the document itself.
    policy_document: Value,
    description: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SeedRole {
    role_name: String,
    assume_role_policy_document: Value,
    description: Option<String>,
    max_session_duration: Option<i64>,
    #[serde(default)]
    policies: Vec<PolicyRef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SeedGroup {
    group_name: String,
    comments: Option<String>,
    display_name: Option<String>,
    #[serde(default)]
    policies: Vec<PolicyRef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SeedUser {
    user_name: String,
    display_name: Option<String>,
    email: Option<String>,
    mobile_phone: Option<String>,
    comments: Option<String>,
    /// Create an AccessKey with the user (written to
    /// [`CREDENTIALS_FILE`]).
    #[serde(default)]
    access_key: bool,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    policies: Vec<PolicyRef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SeedKey {
    /// `alias/…`: names the key across starts.
    alias: String,
    description: Option<String>,
    key_spec: Option<String>,
    key_usage: Option<String>,
    #[serde(default)]
    enable_automatic_rotation: bool,
    rotation_interval: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SeedSecret {
    secret_name: String,
    /// A string, or any other value (stored as its JSON text). A RAM
    /// secret's value is made by the server: leave it out.
    secret_data: Option<Value>,
    secret_data_type: Option<String>,
    version_id: Option<String>,
    description: Option<String>,
    encryption_key_id: Option<String>,
    secret_type: Option<String>,
    /// A JSON string or the object itself.
    extended_config: Option<Value>,
    #[serde(default)]
    enable_automatic_rotation: bool,
    rotation_interval: Option<String>,
}

/// A policy to attach: its name (a custom policy, or a system one when no
/// custom policy of that name exists), or `{PolicyName, PolicyType}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum PolicyRef {
    Name(String),
    Typed {
        #[serde(rename = "PolicyName")]
        policy_name: String,
        #[serde(rename = "PolicyType")]
        policy_type: String,
    },
}

/// What a seed created at this start.
#[derive(Debug, Default, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Applied {
    /// Entities created (those already there are not counted).
    pub created: usize,
    /// AccessKeys created, by user name.
    #[serde(skip)]
    pub access_keys: Vec<(String, String, zeroize::Zeroizing<String>)>,
}

/// A JSON value given as a string, or as the value itself.
fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Seed {
    /// Reads `path`: JSON when it ends in `.json` or starts with `{`, YAML
    /// otherwise. Errors name the file and, for syntax and shape, the line.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the seed file `{}`", path.display()))?;
        let json =
            path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{');
        let mut seed: Seed = if json {
            serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "seed file `{}`, line {} column {}: {e}",
                    path.display(),
                    e.line(),
                    e.column()
                )
            })?
        } else if text.trim().is_empty() {
            Seed::default()
        } else {
            serde_yaml_ng::from_str(&text).map_err(|e| match e.location() {
                // The parser's text ends with the location: said once, first.
                Some(l) => anyhow::anyhow!(
                    "seed file `{}`, line {} column {}: {}",
                    path.display(),
                    l.line(),
                    l.column(),
                    e.to_string()
                        .rsplit_once(" at line ")
                        .map_or(e.to_string(), |(m, _)| m.to_string())
                ),
                None => anyhow::anyhow!("seed file `{}`: {e}", path.display()),
            })?
        };
        seed.path = path.to_path_buf();
        seed.check()?;
        Ok(seed)
    }

    /// What can be said wrong before anything is created.
    fn check(&self) -> anyhow::Result<()> {
        for (i, k) in self.keys.iter().enumerate() {
            if !k.alias.starts_with("alias/") {
                bail!(
                    "seed file `{}`: Keys[{i}]: Alias `{}` must start with `alias/` (it names the key across starts)",
                    self.path.display(),
                    k.alias
                );
            }
        }
        Ok(())
    }

    fn fail(&self, what: &str, i: usize, name: &str, e: ApiError) -> anyhow::Error {
        anyhow::anyhow!(
            "seed file `{}`: {what}[{i}] `{name}`: {}: {}",
            self.path.display(),
            e.code,
            e.message
        )
    }

    fn policy_type(&self, r: &PolicyRef) -> anyhow::Result<(PolicyType, String)> {
        match r {
            PolicyRef::Name(n) => {
                let custom = self.policies.iter().any(|p| &p.policy_name == n);
                if !custom && rampart_core::ram::system::system_policy(n).is_some() {
                    Ok((PolicyType::System, n.clone()))
                } else {
                    Ok((PolicyType::Custom, n.clone()))
                }
            }
            PolicyRef::Typed {
                policy_name,
                policy_type,
            } => match policy_type.as_str() {
                "System" => Ok((PolicyType::System, policy_name.clone())),
                "Custom" => Ok((PolicyType::Custom, policy_name.clone())),
                other => bail!(
                    "seed file `{}`: PolicyType `{other}` of `{policy_name}` must be `System` or `Custom`",
                    self.path.display()
                ),
            },
        }
    }

    fn attach(
        &self,
        r: &Rampart,
        kind: PrincipalKind,
        principal: &str,
        refs: &[PolicyRef],
        what: &str,
        i: usize,
    ) -> anyhow::Result<usize> {
        let mut created = 0;
        if refs.is_empty() {
            return Ok(0);
        }
        let held = r
            .store()
            .list_attachments(kind, principal)
            .map_err(|e| anyhow::anyhow!("seed: {e}"))?;
        for p in refs {
            let (ptype, name) = self.policy_type(p)?;
            if held
                .iter()
                .any(|a| a.policy_type == ptype && a.policy_name == name)
            {
                continue;
            }
            r.attach_policy(kind, principal, ptype, &name)
                .map_err(|e| self.fail(what, i, principal, e))?;
            created += 1;
        }
        Ok(created)
    }

    /// Creates what is missing, in order: policies, roles, groups, users
    /// (their AccessKeys, groups and policies), keys and aliases, secrets.
    pub fn apply(&self, r: &Rampart) -> anyhow::Result<Applied> {
        let mut out = Applied::default();
        let store = r.store().clone();
        let be = |e: rampart_store::StoreError| anyhow::anyhow!("seed: {e}");
        for (i, p) in self.policies.iter().enumerate() {
            if store.get_policy(&p.policy_name).map_err(be)?.is_some() {
                continue;
            }
            r.create_policy(
                &p.policy_name,
                &json_text(&p.policy_document),
                p.description.as_deref(),
            )
            .map_err(|e| self.fail("Policies", i, &p.policy_name, e))?;
            out.created += 1;
        }
        for (i, role) in self.roles.iter().enumerate() {
            if store.get_role(&role.role_name).map_err(be)?.is_none() {
                r.create_role(CreateRole {
                    role_name: role.role_name.clone(),
                    assume_role_policy_document: json_text(&role.assume_role_policy_document),
                    description: role.description.clone(),
                    max_session_duration: role.max_session_duration,
                    tags: Vec::new(),
                })
                .map_err(|e| self.fail("Roles", i, &role.role_name, e))?;
                out.created += 1;
            }
            out.created += self.attach(
                r,
                PrincipalKind::Role,
                &role.role_name,
                &role.policies,
                "Roles",
                i,
            )?;
        }
        for (i, g) in self.groups.iter().enumerate() {
            if store.get_group(&g.group_name).map_err(be)?.is_none() {
                r.create_group(CreateGroup {
                    group_name: g.group_name.clone(),
                    comments: g.comments.clone(),
                    display_name: g.display_name.clone(),
                })
                .map_err(|e| self.fail("Groups", i, &g.group_name, e))?;
                out.created += 1;
            }
            out.created += self.attach(
                r,
                PrincipalKind::Group,
                &g.group_name,
                &g.policies,
                "Groups",
                i,
            )?;
        }
        for (i, u) in self.users.iter().enumerate() {
            if store.get_user(&u.user_name).map_err(be)?.is_none() {
                r.create_user(CreateUser {
                    user_name: u.user_name.clone(),
                    display_name: u.display_name.clone(),
                    mobile_phone: u.mobile_phone.clone(),
                    email: u.email.clone(),
                    comments: u.comments.clone(),
                })
                .map_err(|e| self.fail("Users", i, &u.user_name, e))?;
                out.created += 1;
                // The key comes with the user: a later start leaves the
                // user's keys as they are.
                if u.access_key {
                    let k = UserName::parse(&u.user_name)
                        .and_then(|n| r.create_access_key(&n))
                        .map_err(|e| self.fail("Users", i, &u.user_name, e))?;
                    out.access_keys.push((
                        u.user_name.clone(),
                        k.access_key_id.clone(),
                        zeroize::Zeroizing::new(k.access_key_secret.clone()),
                    ));
                    out.created += 1;
                }
            }
            let member: Vec<String> = store
                .list_groups_for_user(&u.user_name)
                .map_err(be)?
                .into_iter()
                .map(|(g, _)| g.group_name)
                .collect();
            for g in &u.groups {
                if member.contains(g) {
                    continue;
                }
                UserName::parse(&u.user_name)
                    .and_then(|n| Ok((n, GroupName::parse(g)?)))
                    .and_then(|(n, g)| r.add_user_to_group(&n, &g))
                    .map_err(|e| self.fail("Users", i, &u.user_name, e))?;
                out.created += 1;
            }
            out.created += self.attach(
                r,
                PrincipalKind::User,
                &u.user_name,
                &u.policies,
                "Users",
                i,
            )?;
        }
        for (i, k) in self.keys.iter().enumerate() {
            if store.get_alias(&k.alias).map_err(be)?.is_some() {
                continue;
            }
            let key = r
                .create_key(CreateKey {
                    description: k.description.clone(),
                    key_spec: k.key_spec.clone(),
                    key_usage: k.key_usage.clone(),
                    enable_automatic_rotation: k.enable_automatic_rotation,
                    rotation_interval: k.rotation_interval.clone(),
                    ..CreateKey::default()
                })
                .map_err(|e| self.fail("Keys", i, &k.alias, e))?;
            r.create_alias(&k.alias, &KeyId::of(&key))
                .map_err(|e| self.fail("Keys", i, &k.alias, e))?;
            out.created += 1;
        }
        for (i, s) in self.secrets.iter().enumerate() {
            if store.get_secret(&s.secret_name).map_err(be)?.is_some() {
                continue;
            }
            let data = match (&s.secret_data, s.secret_type.as_deref()) {
                (Some(d), _) => zeroize::Zeroizing::new(json_text(d)),
                // A RAM secret without a value starts from a new AccessKey
                // of its user.
                (None, Some("RAMCredentials")) => {
                    let user = s
                        .extended_config
                        .as_ref()
                        .map(|c| match c {
                            Value::String(t) => serde_json::from_str(t).unwrap_or(Value::Null),
                            other => other.clone(),
                        })
                        .and_then(|c| c.get("UserName").and_then(Value::as_str).map(str::to_string))
                        .ok_or_else(|| {
                            anyhow::anyhow!(
                                "seed file `{}`: Secrets[{i}] `{}`: a RAMCredentials secret needs ExtendedConfig.UserName",
                                self.path.display(),
                                s.secret_name
                            )
                        })?;
                    let k = UserName::parse(&user)
                        .and_then(|n| r.create_access_key(&n))
                        .map_err(|e| self.fail("Secrets", i, &s.secret_name, e))?;
                    zeroize::Zeroizing::new(
                        serde_json::json!({"AccessKeys": [{"AccessKeyId": k.access_key_id, "AccessKeySecret": k.access_key_secret}]})
                            .to_string(),
                    )
                }
                (None, _) => zeroize::Zeroizing::new(String::new()),
            };
            // The key the seed names by id, alias or ARN, as stored.
            let encryption_key_id = s
                .encryption_key_id
                .as_deref()
                .filter(|key_ref| !key_ref.is_empty())
                .map(|key_ref| r.resolve_key(key_ref).map(|k| KeyId::of(&k)))
                .transpose()
                .map_err(|e| self.fail("Secrets", i, &s.secret_name, e))?;
            r.create_secret(CreateSecret {
                secret_name: s.secret_name.clone(),
                version_id: s.version_id.clone().unwrap_or_else(|| "v1".into()),
                secret_data: data.to_string(),
                secret_data_type: s.secret_data_type.clone(),
                description: s.description.clone(),
                encryption_key_id,
                secret_type: s.secret_type.clone(),
                extended_config: s.extended_config.as_ref().map(json_text),
                enable_automatic_rotation: s.enable_automatic_rotation,
                rotation_interval: s.rotation_interval.clone(),
                ..CreateSecret::default()
            })
            .map_err(|e| self.fail("Secrets", i, &s.secret_name, e))?;
            out.created += 1;
        }
        Ok(out)
    }
}

/// Writes the AccessKeys a seed created to `<data-dir>/seed-credentials.json`
/// (0600), keeping those of earlier starts: `{"Users": {"name":
/// {"AccessKeyId", "AccessKeySecret"}}}`.
pub fn write_credentials(data_dir: &Path, applied: &Applied) -> anyhow::Result<()> {
    if applied.access_keys.is_empty() {
        return Ok(());
    }
    use std::io::{Read, Write};
    let path = data_dir.join(CREDENTIALS_FILE);
    let mut text = zeroize::Zeroizing::new(String::new());
    match rampart_store::files::open_private(&path, rampart_store::files::Open::Read) {
        Ok(mut f) => {
            f.read_to_string(&mut text)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(anyhow::anyhow!("cannot read `{}`: {e}", path.display())),
    }
    let mut doc: Value = serde_json::from_str(&text).unwrap_or_else(|_| serde_json::json!({}));
    if !doc.get("Users").is_some_and(Value::is_object) {
        doc["Users"] = serde_json::json!({});
    }
    for (user, id, secret) in &applied.access_keys {
        doc["Users"][user] = serde_json::json!({
            "AccessKeyId": id,
            "AccessKeySecret": secret.as_str(),
        });
    }
    let out = zeroize::Zeroizing::new(serde_json::to_string_pretty(&doc)?);
    let mut f = rampart_store::files::open_private(&path, rampart_store::files::Open::Write)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    f.set_len(0)?;
    f.write_all(out.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    Ok(())
}
