//! Database secrets (`SecretType` = `Rds`, `PolarDB`, `Redis`): Secrets
//! Manager keeps a database account's password and changes it in the
//! database itself on every rotation.
//!
//! **Instances.** The id an `ExtendedConfig` names (`DBInstanceId`,
//! `DBClusterId`, `InstanceId`) is declared to Rampart as the generic secret
//! `rampart/db-instances/<id>` holding `{"Engine", "Host", "Port",
//! "AdminAccount", "AdminPassword", "Database"?, "TLS"?}`. Rampart reads it
//! acting as the type's service-linked role (created with the first secret
//! of the type, as the real service does), so who may read or change an
//! instance is ordinary secret authorization, and the role's rights can be
//! taken away with a secret policy.
//!
//! **Accounts.** `SingleUser` (Rds): one account; a rotation gives it a new
//! password and the old one stops working. `DoubleUsers`: `ACSCurrent` and
//! `ACSPrevious` name one account each; a rotation gives the account behind
//! `ACSPrevious` a new password and makes it current, so both stages always
//! hold working credentials. The second account of an imported Rds secret
//! is created on its first rotation as `<AccountName>_clone` (or the
//! `CloneAccountName` given) with the first one's privileges; PolarDB and
//! Redis secrets (`SecretData` = `$Auto`) have both accounts created with
//! the secret. No secret manages the instance's admin account, nor an
//! account another secret manages.
//!
//! **Exactly once, crash-safe.** Under the secret's rotation lease:
//! 1. the new version (account and password) is sealed and stored as the
//!    secret's *pending* version, before the database is touched;
//! 2. the database is changed (`ALTER ROLE`, `ALTER USER`, `ACL SETUSER`;
//!    each step idempotent);
//! 3. one transaction makes the pending version current.
//!
//! A rotation interrupted anywhere leaves the pending version, which makes
//! the secret due at once for any replica once the lease lapses: the next
//! attempt repeats step 2 with the pending version's password and commits.
//! So `ACSCurrent` never names a password the database was not given first,
//! and the database never holds a password no version holds. A failed
//! attempt changes no stage, is recorded (`DescribeSecret` shows
//! `AutomaticRotation: Invalid` and the error) and is retried with backoff.

use rampart_dbrotate::{Engine, Instance, Privilege, Secret, Tls, TlsMode};
use rampart_store::{SecretRow, StoreError};
use serde_json::{json, Value};

use super::ramsecret::backoff;
use super::secrets::{check_secret_name, check_version_id, CreateSecret, SecretName};
use super::store_err;
use super::views::{SecretCreated, SecretRotated};
use crate::authz::AccessRequest;
use crate::{ApiError, Principal, Rampart};

/// Where database instances are declared: `rampart/db-instances/<id>`.
pub const INSTANCE_PREFIX: &str = "rampart/db-instances/";
/// Longest `ExtendedConfig`, characters.
pub const MAX_EXTENDED_CONFIG: usize = 1024;
/// Most `CustomData` entries.
pub const MAX_CUSTOM_DATA: usize = 10;
/// Length of the passwords Rampart generates (letters and digits).
pub const PASSWORD_LEN: u32 = 32;
/// How long the lease is renewed for before the database is changed:
/// longer than the longest database operation (connect, statements, the
/// whole-operation deadline), so a change can never land after another
/// replica took the secret over.
pub const DB_LEASE_SECS: i64 = 150;

/// A database secret's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    /// ApsaraDB RDS: PostgreSQL, MySQL or MariaDB.
    Rds,
    /// PolarDB: MySQL or PostgreSQL.
    PolarDb,
    /// ApsaraDB for Redis / Tair.
    Redis,
}

impl DbKind {
    /// The kind of a `SecretType`, if it is a database type.
    pub fn of(secret_type: &str) -> Option<Self> {
        match secret_type {
            "Rds" => Some(Self::Rds),
            "PolarDB" => Some(Self::PolarDb),
            "Redis" => Some(Self::Redis),
            _ => None,
        }
    }

    /// The `SecretType`.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Rds => "Rds",
            Self::PolarDb => "PolarDB",
            Self::Redis => "Redis",
        }
    }

    /// The service principal of its service-linked role.
    pub fn service(self) -> &'static str {
        match self {
            Self::Rds => "secretsmanager-rds.kms.aliyuncs.com",
            Self::PolarDb => "secretsmanager-polardb.kms.aliyuncs.com",
            Self::Redis => "secretsmanager-redis.kms.aliyuncs.com",
        }
    }

    /// Its service-linked role.
    pub fn linked_role(self) -> &'static str {
        match self {
            Self::Rds => "AliyunServiceRoleForKMSSecretsManagerForRDS",
            Self::PolarDb => "AliyunServiceRoleForKMSSecretsManagerForPolarDB",
            Self::Redis => "AliyunServiceRoleForKMSSecretsManagerForRedis",
        }
    }

    /// The action that creating or rotating such a secret also needs on
    /// the instance.
    pub fn instance_action(self) -> &'static str {
        match self {
            Self::Rds => "rds:ResetAccountPassword",
            Self::PolarDb => "polardb:ModifyAccountPassword",
            Self::Redis => "kvstore:ResetAccountPassword",
        }
    }

    /// The instance's ARN.
    pub fn instance_arn(self, region: &str, account_id: &str, id: &str) -> String {
        match self {
            Self::Rds => format!("acs:rds:{region}:{account_id}:dbinstance/{id}"),
            Self::PolarDb => format!("acs:polardb:{region}:{account_id}:dbcluster/{id}"),
            Self::Redis => format!("acs:kvstore:{region}:{account_id}:instance/{id}"),
        }
    }

    /// The `ExtendedConfig` field naming the instance.
    fn id_field(self) -> &'static str {
        match self {
            Self::Rds => "DBInstanceId",
            Self::PolarDb => "DBClusterId",
            Self::Redis => "InstanceId",
        }
    }

    /// The service name used in audit events of its instance calls.
    fn audit_service(self) -> &'static str {
        match self {
            Self::Rds => "Rds",
            Self::PolarDb => "Polardb",
            Self::Redis => "R-kvstore",
        }
    }
}

/// What an `ExtendedConfig` of a database secret says.
#[derive(Debug, Clone)]
pub struct DbExtended {
    /// The secret's type.
    pub kind: DbKind,
    /// `DoubleUsers` (true) or `SingleUser`.
    pub double: bool,
    /// The instance (cluster) id.
    pub instance_id: String,
    /// PolarDB and Redis: the account Rampart creates.
    pub account_name: Option<String>,
    /// The second account's name (default `<AccountName>_clone`).
    pub clone_account_name: Option<String>,
    /// What a created account may do.
    pub privilege: Privilege,
    /// PolarDB: `MySQL` or `PostgreSQL`.
    pub db_type: Option<String>,
    /// PolarDB for MySQL: the database a created account is granted on.
    pub db_name: Option<String>,
}

fn bad_extended(why: &str) -> ApiError {
    ApiError::invalid(
        "ExtendedConfig",
        format!("The specified parameter \"ExtendedConfig\" is not valid: {why}."),
    )
}

/// The instance id named by a database secret's `ExtendedConfig`, read
/// leniently (for authorizing the request before it is validated).
pub fn instance_id_in(kind: DbKind, extended_config: &str) -> Option<String> {
    if extended_config.chars().count() > MAX_EXTENDED_CONFIG {
        return None;
    }
    let v: Value = serde_json::from_str(extended_config).ok()?;
    let id = v.get(kind.id_field())?.as_str()?;
    check_instance_id(id).ok()?;
    Some(id.to_string())
}

fn check_instance_id(id: &str) -> Result<(), ApiError> {
    let ok = (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(bad_extended(
            "the instance id must be 1 to 64 letters, digits, `-`, `_` or `.`",
        ))
    }
}

/// Parses and checks a database secret's `ExtendedConfig` (at most 1,024
/// characters, a JSON object, the fields its type requires, `CustomData`
/// an object of at most 10 entries).
pub fn parse_extended(kind: DbKind, text: Option<&str>) -> Result<DbExtended, ApiError> {
    let text = text
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::missing("ExtendedConfig"))?;
    if text.chars().count() > MAX_EXTENDED_CONFIG {
        return Err(bad_extended("it is longer than 1024 characters"));
    }
    let v: Value = serde_json::from_str(text).map_err(|_| bad_extended("it is not JSON"))?;
    if !v.is_object() {
        return Err(bad_extended("it is not a JSON object"));
    }
    let field = |name: &str| -> Result<Option<String>, ApiError> {
        match v.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad_extended(&format!("`{name}` must be a string"))),
        }
    };
    let required = |name: &str| -> Result<String, ApiError> {
        field(name)?.ok_or_else(|| {
            bad_extended(&format!(
                "`{name}` is required for {} secrets",
                kind.type_name()
            ))
        })
    };
    if let Some(cd) = v.get("CustomData") {
        match cd.as_object() {
            Some(o) if o.len() <= MAX_CUSTOM_DATA => {}
            _ => {
                return Err(bad_extended(
                    "`CustomData` must be a JSON object of at most 10 entries",
                ))
            }
        }
    }
    let sub = required("SecretSubType")?;
    let double = match (kind, sub.as_str()) {
        (_, "DoubleUsers") => true,
        (DbKind::Rds, "SingleUser") => false,
        (DbKind::Rds, other) => {
            return Err(bad_extended(&format!(
                "SecretSubType `{other}` is not one of `SingleUser`, `DoubleUsers`"
            )))
        }
        (_, other) => {
            return Err(bad_extended(&format!(
                "SecretSubType `{other}` is not supported: {} secrets are `DoubleUsers`",
                kind.type_name()
            )))
        }
    };
    let instance_id = required(kind.id_field())?;
    check_instance_id(&instance_id)?;
    let (account_name, db_type) = match kind {
        DbKind::Rds => (field("AccountName")?, None),
        DbKind::PolarDb => {
            let t = required("DBType")?;
            if t != "MySQL" && t != "PostgreSQL" {
                return Err(bad_extended(&format!(
                    "DBType `{t}` is not one of `MySQL`, `PostgreSQL`"
                )));
            }
            required("RegionId")?;
            (Some(required("AccountName")?), Some(t))
        }
        DbKind::Redis => {
            required("RegionId")?;
            (Some(required("AccountName")?), None)
        }
    };
    if let Some(t) = field("AccountType")? {
        if t != "Normal" {
            return Err(bad_extended(&format!(
                "AccountType `{t}` is not supported: only `Normal`"
            )));
        }
    }
    let privilege = match field("AccountPrivilege")?.as_deref() {
        None => Privilege::ReadWrite,
        Some("ReadOnly" | "RoleReadOnly") => Privilege::ReadOnly,
        Some("ReadWrite" | "RoleReadWrite" | "DMLOnly" | "DDLOnly") => Privilege::ReadWrite,
        Some(other) => {
            return Err(bad_extended(&format!(
                "AccountPrivilege `{other}` is not one of `ReadWrite`, `ReadOnly` (Redis: `RoleReadWrite`, `RoleReadOnly`)"
            )))
        }
    };
    Ok(DbExtended {
        kind,
        double,
        instance_id,
        account_name,
        clone_account_name: field("CloneAccountName")?,
        privilege,
        db_type,
        db_name: field("DBName")?,
    })
}

impl DbExtended {
    /// The second account of `first`.
    fn clone_of(&self, first: &str) -> String {
        self.clone_account_name
            .clone()
            .unwrap_or_else(|| format!("{first}_clone"))
    }
}

/// One account's credentials, as a version holds them.
struct Account {
    name: String,
    password: Secret,
}

impl Account {
    fn to_json(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(
            json!({"AccountName": self.name, "AccountPassword": self.password.expose()})
                .to_string(),
        )
    }

    fn from_json(plain: &[u8]) -> Result<Self, ApiError> {
        let v: Value = serde_json::from_slice(plain).map_err(ApiError::internal)?;
        let name = v.get("AccountName").and_then(Value::as_str);
        let password = v.get("AccountPassword").and_then(Value::as_str);
        match (name, password) {
            (Some(n), Some(p)) => Ok(Self {
                name: n.to_string(),
                password: Secret::new(p),
            }),
            _ => Err(ApiError::internal(
                "a database secret's version is not {AccountName, AccountPassword}",
            )),
        }
    }
}

/// A new random password: letters and digits, safe in every engine and URL.
fn new_password() -> Result<Secret, ApiError> {
    Ok(Secret::new(super::keys::random_password(
        Some(PASSWORD_LEN),
        "",
        false,
        false,
        false,
        true,
        true,
    )?))
}

/// The API error for a database operation's failure (messages never hold a
/// password).
fn db_err(e: rampart_dbrotate::Error) -> ApiError {
    use rampart_dbrotate::Error as E;
    let status = match &e {
        E::Unreachable(_) => 503,
        E::NoSuchAccount(_) => 404,
        _ => 400,
    };
    ApiError::new(status, e.code(), e.message())
}

/// Parses an instance declaration (the value of
/// `rampart/db-instances/<id>`); errors never hold the admin password.
pub fn parse_instance(id: &str, value: &[u8]) -> Result<Instance, ApiError> {
    let bad = |why: &str| {
        ApiError::of(crate::codes::INVALID_PARAMETER_DB_INSTANCE,
            format!(
                "The database instance `{id}` is not declared correctly: {why}. The secret `{INSTANCE_PREFIX}{id}` must hold \
                 {{\"Engine\":\"PostgreSQL|MySQL|MariaDB|Redis\",\"Host\":\"…\",\"Port\":5432,\"AdminAccount\":\"…\",\"AdminPassword\":\"…\"}} \
                 with optional \"Database\" and \"TLS\":{{\"Mode\":\"require|verify-full\",\"CA\":\"<PEM>\"}}."
            ),
        )
    };
    let v: Value = serde_json::from_slice(value).map_err(|_| bad("it is not JSON"))?;
    let text = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let engine = match text("Engine") {
        Some("PostgreSQL") => Engine::PostgreSql,
        Some("MySQL") => Engine::MySql,
        Some("MariaDB") => Engine::MariaDb,
        Some("Redis") => Engine::Redis,
        Some(_) => {
            return Err(bad(
                "`Engine` is not one of PostgreSQL, MySQL, MariaDB, Redis",
            ))
        }
        None => return Err(bad("`Engine` is missing")),
    };
    let host = text("Host").ok_or_else(|| bad("`Host` is missing"))?;
    if host.len() > 255 {
        return Err(bad("`Host` is longer than 255 characters"));
    }
    let port = match v.get("Port") {
        None | Some(Value::Null) => engine.default_port(),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p > 0)
            .ok_or_else(|| bad("`Port` is not a port number"))?,
        Some(Value::String(s)) => s
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad("`Port` is not a port number"))?,
        Some(_) => return Err(bad("`Port` is not a port number")),
    };
    let admin = v
        .get("AdminAccount")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("`AdminAccount` is missing"))?;
    let password = v
        .get("AdminPassword")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("`AdminPassword` is missing"))?;
    let mut instance = Instance::new(engine, host, port, admin, Secret::new(password));
    if let Some(db) = text("Database") {
        instance = instance.with_database(db);
    }
    if let Some(tls) = v.get("TLS").filter(|t| !t.is_null()) {
        let mode = match tls.get("Mode").and_then(Value::as_str) {
            Some("require") => TlsMode::Require,
            Some("verify-ca") => TlsMode::VerifyCa,
            Some("verify-full") => TlsMode::VerifyFull,
            _ => {
                return Err(bad(
                    "`TLS.Mode` is not one of require, verify-ca, verify-full",
                ))
            }
        };
        let ca_pem = tls.get("CA").and_then(Value::as_str).map(str::to_string);
        if mode != TlsMode::Require && ca_pem.is_none() {
            return Err(bad("`TLS.CA` is required with verify-ca and verify-full"));
        }
        instance.tls = Some(Tls { mode, ca_pem });
    }
    Ok(instance)
}

/// Whether `engine` suits a secret of this configuration.
fn engine_fits(ext: &DbExtended, engine: Engine) -> bool {
    match ext.kind {
        DbKind::Rds => matches!(engine, Engine::PostgreSql | Engine::MySql | Engine::MariaDb),
        DbKind::PolarDb => match ext.db_type.as_deref() {
            Some("PostgreSQL") => engine == Engine::PostgreSql,
            _ => matches!(engine, Engine::MySql | Engine::MariaDb),
        },
        DbKind::Redis => engine == Engine::Redis,
    }
}

/// Names compare as the engine does (MySQL's user names ignore case
/// differences in its usual collations; be strict everywhere).
fn same_account(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

impl Rampart {
    /// The session of a database type's service-linked role, created first
    /// if `create` and it does not exist.
    fn db_service_session(&self, kind: DbKind, create: bool) -> Result<Principal, ApiError> {
        let role = kind.linked_role();
        match self.assume_role_as_service(kind.service(), role, "secrets-manager") {
            Ok(p) => Ok(p),
            Err(e) if e.is(crate::codes::ENTITY_NOT_EXIST_ROLE) && create => {
                match self.create_service_linked_role(kind.service(), None) {
                    Ok(_) => {}
                    // Created meanwhile by another request.
                    Err(e) if e.code.starts_with("EntityAlreadyExists") => {}
                    Err(e) => return Err(e),
                }
                tracing::info!(role, "service-linked role created for the first database secret");
                self.assume_role_as_service(kind.service(), role, "secrets-manager")
            }
            Err(e) if e.is(crate::codes::ENTITY_NOT_EXIST_ROLE) => Err(ApiError::of(crate::codes::FORBIDDEN_NO_PERMISSION,
                format!(
                    "Secrets Manager cannot act on {} instances: the service-linked role `{role}` does not exist. \
                     Create it with CreateServiceLinkedRole(ServiceName={}).",
                    kind.type_name(),
                    kind.service()
                ),
            )),
            Err(e) => Err(e),
        }
    }

    /// Authorizes one call of a service role's session on a resource.
    fn as_db_service(
        &self,
        session: &Principal,
        req: &AccessRequest<'_>,
        rw: crate::audit::EventRw,
        audit_service: &str,
    ) -> Result<(), ApiError> {
        let decision = self.decide(session, req)?;
        let denied = (!decision.is_allowed()).then(|| {
            let role = match session {
                Principal::AssumedRole { role_name, .. } => role_name.as_str(),
                _ => "",
            };
            ApiError::of(
                crate::codes::FORBIDDEN_NO_PERMISSION,
                format!(
                    "Secrets Manager's service role `{role}` may not call `{}` on `{}` ({}).",
                    req.action,
                    req.resource,
                    decision.explain()
                ),
            )
        });
        self.record_internal(
            session,
            audit_service,
            req.action,
            rw,
            req.resource,
            denied.as_ref(),
        );
        denied.map_or(Ok(()), Err)
    }

    /// Reads the declaration of an instance as the type's service role.
    fn db_instance(&self, ext: &DbExtended, create_role: bool) -> Result<Instance, ApiError> {
        let session = self.db_service_session(ext.kind, create_role)?;
        let id = &ext.instance_id;
        let name = SecretName::parse(&format!("{INSTANCE_PREFIX}{id}"))?;
        let not_declared = || {
            ApiError::of(crate::codes::FORBIDDEN_RESOURCE_NOT_FOUND,
                format!(
                    "The database instance `{id}` is not declared: create the generic secret `{name}` holding \
                     {{\"Engine\":\"PostgreSQL|MySQL|MariaDB|Redis\",\"Host\":\"…\",\"Port\":…,\"AdminAccount\":\"…\",\"AdminPassword\":\"…\"}}."
                ),
            )
        };
        let auth = self.secret_auth(&name)?;
        if !auth.exists {
            return Err(not_declared());
        }
        let arn = self.secret_arn(&name);
        self.as_db_service(
            &session,
            &AccessRequest {
                action: "kms:GetSecretValue",
                resource: &arn,
                source_ip: None,
                secure_transport: true,
                extra: Some(&auth.context),
                resource_policy: auth.policy.as_deref(),
            },
            crate::audit::EventRw::Read,
            "Kms",
        )?;
        let row = self.secret_row(&name)?;
        if row.secret_type != "Generic" || row.planned_delete_at.is_some() {
            return Err(not_declared());
        }
        let key = self.key_auth(&row.encryption_key_id)?;
        let key_arn = self.key_arn(&row.encryption_key_id);
        self.as_db_service(
            &session,
            &AccessRequest {
                action: "kms:Decrypt",
                resource: &key_arn,
                source_ip: None,
                secure_transport: true,
                extra: Some(&key.context),
                resource_policy: key.policy.as_deref(),
            },
            crate::audit::EventRw::Read,
            "Kms",
        )?;
        let current = self
            .store
            .get_secret_version(&name, None, Some("ACSCurrent"))
            .map_err(store_err)?
            .ok_or_else(not_declared)?;
        let plain = self.open_version(&name, &current.version)?;
        let mut instance = parse_instance(id, &plain)?;
        if !engine_fits(ext, instance.engine) {
            return Err(ApiError::of(crate::codes::INVALID_PARAMETER_DB_INSTANCE,
                format!(
                    "The database instance `{id}` is declared with engine {:?}, which a {} secret{} cannot use.",
                    instance.engine,
                    ext.kind.type_name(),
                    ext.db_type
                        .as_deref()
                        .map(|t| format!(" of DBType {t}"))
                        .unwrap_or_default()
                ),
            ));
        }
        if ext.kind == DbKind::PolarDb && instance.engine != Engine::PostgreSql {
            if let Some(db) = &ext.db_name {
                instance.database = Some(db.clone());
            }
        }
        Ok(instance)
    }

    /// Authorizes the type's service role to change accounts on the
    /// instance, and records it in the trail.
    fn as_instance_admin(&self, ext: &DbExtended) -> Result<(), ApiError> {
        let session = self.db_service_session(ext.kind, false)?;
        let arn = ext
            .kind
            .instance_arn(&self.settings.region, &self.account_id, &ext.instance_id);
        self.as_db_service(
            &session,
            &AccessRequest {
                action: ext.kind.instance_action(),
                resource: &arn,
                source_ip: None,
                secure_transport: true,
                extra: None,
                resource_policy: None,
            },
            crate::audit::EventRw::Write,
            ext.kind.audit_service(),
        )
    }

    /// Refuses an account name the engine would not take, and the
    /// instance's admin account, and an account another secret manages.
    fn check_manageable(
        &self,
        ext: &DbExtended,
        instance: &Instance,
        accounts: &[&str],
    ) -> Result<(), ApiError> {
        for a in accounts {
            rampart_dbrotate::check_account_name(instance.engine, a).map_err(db_err)?;
            if same_account(a, &instance.admin_account) {
                return Err(ApiError::invalid(
                    "SecretData",
                    format!("The specified parameter \"SecretData\" is not valid: `{a}` is the admin account of instance `{}`; a secret may not manage it.", ext.instance_id),
                ));
            }
        }
        // Said before anything is asked of the database (the store refuses
        // it again, atomically, when the secret is stored).
        let keys: Vec<String> = accounts.iter().map(|a| a.to_ascii_lowercase()).collect();
        if let Some((a, other)) = self
            .store
            .db_account_holders(&ext.instance_id, &keys)
            .map_err(store_err)?
            .into_iter()
            .next()
        {
            return Err(ApiError::of(crate::codes::REJECTED_RESOURCE_IN_USE,
                format!("The account `{a}` of instance `{}` is already managed by the secret `{other}`; an account has one secret.", ext.instance_id),
            ));
        }
        Ok(())
    }

    /// `CreateSecret` of an `Rds`, `PolarDB` or `Redis` secret.
    pub fn create_db_secret(
        &self,
        kind: DbKind,
        req: CreateSecret,
    ) -> Result<SecretCreated, ApiError> {
        let ext = parse_extended(kind, req.extended_config.as_deref())?;
        let name = req.secret_name.clone();
        check_secret_name(&name)?;
        if name.starts_with("acs/") {
            return Err(ApiError::invalid(
                "SecretName",
                format!("The specified parameter \"SecretName\" is not valid: the name of a {} secret may not start with `acs/`.", kind.type_name()),
            ));
        }
        check_version_id(&req.version_id)?;
        if req.secret_data_type.as_deref().is_some_and(|t| t != "text") {
            return Err(ApiError::invalid(
                "SecretDataType",
                format!("The specified parameter \"SecretDataType\" is not valid: {} secrets are `text`.", kind.type_name()),
            ));
        }
        let interval = match req.rotation_interval.as_deref().filter(|s| !s.is_empty()) {
            Some(i) => Some(self.check_rotation_interval(i)?),
            None if req.enable_automatic_rotation => {
                return Err(ApiError::missing("RotationInterval"))
            }
            None => None,
        };
        if let Some(region) =
            serde_json::from_str::<Value>(req.extended_config.as_deref().unwrap_or("{}"))
                .ok()
                .and_then(|v| {
                    v.get("RegionId")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
        {
            if region != self.settings.region {
                return Err(bad_extended(&format!(
                    "RegionId `{region}` is not this server's region `{}`",
                    self.settings.region
                )));
            }
        }
        if self.store.get_secret(&name).map_err(store_err)?.is_some() {
            return Err(ApiError::of(
                crate::codes::REJECTED_RESOURCE_EXIST,
                "The resource already exists.",
            ));
        }
        let instance = self.db_instance(&ext, true)?;
        self.as_instance_admin(&ext)?;
        match &ext.account_name {
            Some(a) if kind != DbKind::Rds => {
                self.create_auto(req, &ext, &instance, a.clone(), interval)
            }
            _ => self.create_imported(req, &ext, &instance, interval),
        }
    }

    /// An Rds secret of existing accounts (`SecretData` =
    /// `{"Accounts":[{"AccountName","AccountPassword"}, …]}`).
    fn create_imported(
        &self,
        req: CreateSecret,
        ext: &DbExtended,
        instance: &Instance,
        interval: Option<i64>,
    ) -> Result<SecretCreated, ApiError> {
        let accounts = parse_accounts(&req.secret_data, ext.double)?;
        let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
        if names.len() == 2 && same_account(names[0], names[1]) {
            return Err(ApiError::invalid(
                "SecretData",
                "The specified parameter \"SecretData\" is not valid: the two accounts must differ.",
            ));
        }
        let mut reserved: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        if ext.double && names.len() == 1 {
            reserved.push(ext.clone_of(names[0]));
        }
        let reserved_refs: Vec<&str> = reserved.iter().map(String::as_str).collect();
        self.check_manageable(ext, instance, &reserved_refs)?;
        if let (true, [only]) = (ext.double, names.as_slice()) {
            let clone = ext.clone_of(only);
            let exists =
                rampart_store::blocking(|| rampart_dbrotate::account_exists(instance, &clone))
                    .map_err(db_err)?;
            if exists {
                return Err(ApiError::invalid(
                    "SecretData",
                    format!("The specified parameter \"SecretData\" is not valid: the account `{clone}`, which the first rotation creates as the second account, already exists on instance `{}`; give it as the second account (with its password) or remove it.", ext.instance_id),
                ));
            }
        }
        for a in &names {
            let exists = rampart_store::blocking(|| rampart_dbrotate::account_exists(instance, a))
                .map_err(db_err)?;
            if !exists {
                return Err(ApiError::invalid(
                    "SecretData",
                    format!("The specified parameter \"SecretData\" is not valid: the account `{a}` does not exist on instance `{}`.", ext.instance_id),
                ));
            }
        }
        let name = req.secret_name.clone();
        let first = accounts[0].to_json();
        let enabled = req.enable_automatic_rotation;
        let row = self.new_secret_row(&req, ext.kind.type_name(), &name, enabled, interval)?;
        let v1 = self.new_secret_version(&row, &req.version_id, first.as_bytes(), "text")?;
        let v0 = match accounts.get(1) {
            Some(second) => Some(self.new_secret_version(
                &row,
                &uuid::Uuid::new_v4().to_string(),
                second.to_json().as_bytes(),
                "text",
            )?),
            None => None,
        };
        let mut versions = vec![(&v1, Some("ACSCurrent"))];
        if let Some(v0) = &v0 {
            versions.insert(0, (v0, Some("ACSPrevious")));
        }
        self.store_db_secret(&row, &versions, &req.tags, ext, &reserved)?;
        Ok(self.secret_created(&row, req.version_id))
    }

    /// A PolarDB or Redis secret whose two accounts Rampart creates
    /// (`SecretData` = `$Auto`): stored with its first version pending,
    /// then the accounts are made, then the version becomes current.
    fn create_auto(
        &self,
        req: CreateSecret,
        ext: &DbExtended,
        instance: &Instance,
        account: String,
        interval: Option<i64>,
    ) -> Result<SecretCreated, ApiError> {
        if req.secret_data != "$Auto" {
            return Err(ApiError::invalid(
                "SecretData",
                format!("The specified parameter \"SecretData\" is not valid: {} secrets create their accounts; write `$Auto`.", ext.kind.type_name()),
            ));
        }
        let clone = ext.clone_of(&account);
        if same_account(&clone, &account) {
            return Err(bad_extended(
                "`CloneAccountName` must differ from `AccountName`",
            ));
        }
        self.check_manageable(ext, instance, &[&account, &clone])?;
        for a in [&account, &clone] {
            let exists = rampart_store::blocking(|| rampart_dbrotate::account_exists(instance, a))
                .map_err(db_err)?;
            if exists {
                return Err(ApiError::invalid(
                    "ExtendedConfig",
                    format!("The specified parameter \"ExtendedConfig\" is not valid: the account `{a}` already exists on instance `{}`; {} secrets manage only accounts they create.", ext.instance_id, ext.kind.type_name()),
                ));
            }
        }
        let password = new_password()?;
        let first = Account {
            name: account,
            password: password.clone(),
        };
        let second = Account {
            name: clone,
            password,
        };
        let name = req.secret_name.clone();
        let mut row = self.new_secret_row(
            &req,
            ext.kind.type_name(),
            &name,
            req.enable_automatic_rotation,
            interval,
        )?;
        row.pending_version_id = Some(req.version_id.clone());
        let v1 =
            self.new_secret_version(&row, &req.version_id, first.to_json().as_bytes(), "text")?;
        let v0 = self.new_secret_version(
            &row,
            &uuid::Uuid::new_v4().to_string(),
            second.to_json().as_bytes(),
            "text",
        )?;
        let reserved = [first.name.clone(), second.name.clone()];
        self.store_db_secret(
            &row,
            &[(&v0, Some("ACSPrevious")), (&v1, None)],
            &req.tags,
            ext,
            &reserved,
        )?;
        if let Some(owner) = self.claim_api_rotation(&name)? {
            let done = self.finish_pending(&row, ext, instance, &owner);
            if done.is_ok() {
                let _ = self.store.release_rotation(&name, &owner);
            }
            if let Err(mut e) = done {
                e.message = format!(
                    "{} The secret `{name}` was stored and its accounts will be created when this succeeds; Secrets Manager retries on its own with backoff (DescribeSecret shows the error).",
                    e.message
                );
                self.note_db_failure(&row, &owner, &e);
                let _ = self.store.release_rotation(&name, &owner);
                return Err(e);
            }
        }
        // Otherwise the scheduler took the work over and finishes it.
        let row = self.secret_row(&SecretName::stored(&name))?;
        Ok(self.secret_created(&row, req.version_id))
    }

    /// Stores a new database secret with its versions and reserves its
    /// accounts, in one transaction: an account another secret manages
    /// is refused, also against a concurrent creation on another replica.
    fn store_db_secret(
        &self,
        row: &SecretRow,
        versions: &[(&rampart_store::SecretVersionRow, Option<&str>)],
        tags: &[(String, String)],
        ext: &DbExtended,
        accounts: &[String],
    ) -> Result<(), ApiError> {
        let db_accounts: Vec<(String, String)> = accounts
            .iter()
            .map(|a| (ext.instance_id.clone(), a.to_ascii_lowercase()))
            .collect();
        self.store
            .create_secret_with(&rampart_store::NewSecret {
                secret: row,
                versions,
                tags,
                max_secrets: self.settings.limits.secrets,
                db_accounts: &db_accounts,
            })
            .map_err(|e| match e {
                StoreError::Conflict(rampart_store::Entity::DbAccount) => ApiError::of(crate::codes::REJECTED_RESOURCE_IN_USE,
                    format!(
                        "One of the accounts ({}) of instance `{}` is already managed by another secret; an account has one secret.",
                        accounts.join(", "),
                        ext.instance_id
                    ),
                ),
                other => store_err(other),
            })
    }

    /// Whether `row` is a database secret.
    pub fn db_kind(row: &SecretRow) -> Option<DbKind> {
        DbKind::of(&row.secret_type)
    }

    /// The action and instance ARN that creating (`secret_type`,
    /// `extended_config`) or rotating a database secret also needs.
    pub fn db_instance_check(
        &self,
        secret_type: &str,
        extended_config: &str,
    ) -> Option<(&'static str, String)> {
        let kind = DbKind::of(secret_type)?;
        let id = instance_id_in(kind, extended_config)?;
        Some((
            kind.instance_action(),
            kind.instance_arn(&self.settings.region, &self.account_id, &id),
        ))
    }

    /// Puts the pending version's credentials in the database (idempotent)
    /// and makes the version current. The caller holds the lease.
    fn finish_pending(
        &self,
        row: &SecretRow,
        ext: &DbExtended,
        instance: &Instance,
        owner: &str,
    ) -> Result<String, ApiError> {
        let Some(pending_id) = row.pending_version_id.clone() else {
            return Err(ApiError::internal("no pending version"));
        };
        let name = &row.secret_name;
        let pending = self
            .store
            .get_secret_version(name, Some(&pending_id), None)
            .map_err(store_err)?
            .ok_or_else(|| ApiError::internal("the pending version is missing"))?;
        let target = Account::from_json(&self.open_version(name, &pending.version)?)?;
        let current = self.stage_account(name, "ACSCurrent")?;
        self.as_instance_admin(ext)?;
        let rotated = current.is_some();
        if !self
            .store
            .claim_rotation(
                name,
                self.wall_now(),
                owner,
                self.wall_now() + DB_LEASE_SECS,
            )
            .map_err(store_err)?
        {
            return Err(lease_lost(StoreError::Conflict(
                rampart_store::Entity::Secret,
            )));
        }
        rampart_store::blocking(|| -> Result<(), rampart_dbrotate::Error> {
            match &current {
                // Creation: both accounts, the same password.
                None => {
                    rampart_dbrotate::create_account(
                        instance,
                        &target.name,
                        &target.password,
                        ext.privilege,
                    )?;
                    let clone = ext.clone_of(&target.name);
                    rampart_dbrotate::clone_account(
                        instance,
                        &target.name,
                        &clone,
                        &target.password,
                    )
                }
                Some(c) if same_account(&c.name, &target.name) => {
                    rampart_dbrotate::set_password(instance, &target.name, &target.password)
                }
                // The clone of a SQL account: made (or its privileges made
                // equal to the original's again) with the new password.
                Some(c)
                    if instance.engine != Engine::Redis
                        && same_account(&ext.clone_of(&c.name), &target.name) =>
                {
                    rampart_dbrotate::clone_account(
                        instance,
                        &c.name,
                        &target.name,
                        &target.password,
                    )
                }
                Some(c) => {
                    if rampart_dbrotate::account_exists(instance, &target.name)? {
                        rampart_dbrotate::set_password(instance, &target.name, &target.password)
                    } else {
                        rampart_dbrotate::clone_account(
                            instance,
                            &c.name,
                            &target.name,
                            &target.password,
                        )
                    }
                }
            }
        })
        .map_err(db_err)?;
        let now = self.now();
        self.store
            .commit_pending(
                name,
                owner,
                now,
                row.rotation_interval.map(|i| now + i),
                rotated,
            )
            .map_err(lease_lost)?;
        tracing::info!(secret = %name, account = %target.name, version = %pending_id, rotated, "database secret: the new password is current");
        Ok(pending_id)
    }

    /// The account a stage of a database secret holds.
    fn stage_account(&self, name: &str, stage: &str) -> Result<Option<Account>, ApiError> {
        let Some(v) = self
            .store
            .get_secret_version(name, None, Some(stage))
            .map_err(store_err)?
        else {
            return Ok(None);
        };
        Account::from_json(&self.open_version(name, &v.version)?).map(Some)
    }

    /// Rotates a database secret (the caller holds the lease): finishes an
    /// interrupted rotation first; then, unless that was the one asked
    /// for, stores a new pending version and finishes it.
    pub(crate) fn rotate_db_now(
        &self,
        row: &SecretRow,
        kind: DbKind,
        owner: &str,
        version_id: Option<&str>,
    ) -> Result<String, ApiError> {
        let ext = parse_extended(kind, row.extended_config.as_deref())?;
        let instance = self.db_instance(&ext, false)?;
        let mut row = row.clone();
        if let Some(p) = row.pending_version_id.clone() {
            self.finish_pending(&row, &ext, &instance, owner)?;
            if version_id.is_none_or(|v| v == p) {
                return Ok(p);
            }
            row = self.secret_row(&SecretName::stored(&row.secret_name))?;
        }
        let name = row.secret_name.clone();
        let current = self
            .stage_account(&name, "ACSCurrent")?
            .ok_or_else(|| ApiError::internal("a database secret has no ACSCurrent version"))?;
        let target = if ext.double {
            match self.stage_account(&name, "ACSPrevious")? {
                Some(p) if !same_account(&p.name, &current.name) => p.name,
                _ => ext.clone_of(&current.name),
            }
        } else {
            current.name.clone()
        };
        // The target was reserved for this secret when it was created (its
        // accounts and their clone); only the admin account is checked again,
        // as the declaration may have changed since.
        rampart_dbrotate::check_account_name(instance.engine, &target).map_err(db_err)?;
        if same_account(&target, &instance.admin_account) {
            return Err(ApiError::of(crate::codes::REJECTED_UNSUPPORTED_OPERATION,
                format!("The account `{target}` is now the admin account of instance `{}`; Secrets Manager will not change its password. Declare another admin account.", ext.instance_id),
            ));
        }
        let version_id = version_id
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let next = Account {
            name: target,
            password: new_password()?,
        };
        let version =
            self.new_secret_version(&row, &version_id, next.to_json().as_bytes(), "text")?;
        self.store
            .stage_pending(&name, owner, &version)
            .map_err(lease_lost)?;
        row.pending_version_id = Some(version_id);
        self.finish_pending(&row, &ext, &instance, owner)
    }

    /// Stores `value` as the pending version `version_id` of a database
    /// secret, as a rotation does before it changes the database (tests
    /// simulate a rotation interrupted after that step).
    #[cfg(feature = "testing")]
    pub fn stage_test_version(
        &self,
        name: &str,
        owner: &str,
        version_id: &str,
        value: &str,
    ) -> Result<(), ApiError> {
        let row = self.secret_row(&SecretName::parse(name)?)?;
        let v = self.new_secret_version(&row, version_id, value.as_bytes(), "text")?;
        self.store
            .stage_pending(name, owner, &v)
            .map_err(lease_lost)
    }

    /// `RotateSecret` of a database secret.
    pub(crate) fn rotate_db_secret(
        &self,
        row: SecretRow,
        kind: DbKind,
        version_id: &str,
    ) -> Result<SecretRotated, ApiError> {
        let arn = self.secret_arn(&row.secret_name);
        let done = |version_id: String| SecretRotated {
            arn: arn.clone(),
            secret_name: row.secret_name.clone(),
            version_id,
        };
        if row.pending_version_id.as_deref() != Some(version_id)
            && self
                .store
                .get_secret_version(&row.secret_name, Some(version_id), None)
                .map_err(store_err)?
                .is_some()
        {
            return Ok(done(version_id.to_string()));
        }
        let owner = self.claim_immediate_rotation(&row.secret_name)?;
        // Read again under the lease: a rotation may have finished meanwhile.
        let result = self
            .secret_row(&SecretName::stored(&row.secret_name))
            .and_then(|fresh| self.rotate_db_now(&fresh, kind, &owner, Some(version_id)));
        if let Err(e) = &result {
            self.note_db_failure(&row, &owner, e);
        }
        let _ = self.store.release_rotation(&row.secret_name, &owner);
        result.map(done)
    }

    /// Records a failed attempt; it is retried with backoff.
    pub(crate) fn note_db_failure(&self, row: &SecretRow, owner: &str, e: &ApiError) {
        let retry = self.now() + backoff(row.rotation_failures);
        tracing::warn!(secret = %row.secret_name, code = %e.code, error = %e.message, retry_at = %crate::time::format(retry), "database secret rotation failed; the current password stays current");
        if let Err(err) = self.store.record_rotation_failure(
            &row.secret_name,
            owner,
            &format!("{}: {}", e.code, e.message),
            retry,
        ) {
            tracing::warn!(secret = %row.secret_name, error = %err, "could not record the rotation failure");
        }
    }
}

fn lease_lost(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(rampart_store::Entity::Secret) => ApiError::of(
            crate::codes::REJECTED_RESOURCE_IN_USE,
            "Another rotation of this secret took over; it finishes the work.",
        ),
        other => store_err(other),
    }
}

/// Checks an Rds secret's `SecretData`: one account (`SingleUser`) or one
/// or two (`DoubleUsers`); returns the account names, the current first.
pub fn account_names(data: &str, double: bool) -> Result<Vec<String>, ApiError> {
    Ok(parse_accounts(data, double)?
        .into_iter()
        .map(|a| a.name)
        .collect())
}

/// Parses an Rds secret's `SecretData`: one account (`SingleUser`) or one
/// or two (`DoubleUsers`), the first current.
fn parse_accounts(data: &str, double: bool) -> Result<Vec<Account>, ApiError> {
    let bad = |why: &str| {
        ApiError::invalid(
            "SecretData",
            format!("The specified parameter \"SecretData\" is not valid: {why}; write `{{\"Accounts\":[{{\"AccountName\":\"…\",\"AccountPassword\":\"…\"}}]}}`."),
        )
    };
    let v: Value = serde_json::from_str(data).map_err(|_| bad("it is not JSON"))?;
    let list = v
        .get("Accounts")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("`Accounts` is missing"))?;
    let most = if double { 2 } else { 1 };
    if list.is_empty() || list.len() > most {
        return Err(bad(if double {
            "give one or two accounts"
        } else {
            "a SingleUser secret holds exactly one account"
        }));
    }
    list.iter()
        .map(|a| {
            let name = a
                .get("AccountName")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| bad("an `AccountName` is missing"))?;
            let password = a
                .get("AccountPassword")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("an `AccountPassword` is missing"))?;
            if password.len() > 128 {
                return Err(bad("an `AccountPassword` is longer than 128 characters"));
            }
            Ok(Account {
                name: name.to_string(),
                password: Secret::new(password),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_config_rules() {
        let rds = parse_extended(
            DbKind::Rds,
            Some(r#"{"SecretSubType":"DoubleUsers","DBInstanceId":"rm-1","CustomData":{"Endpoint":"h"}}"#),
        )
        .unwrap();
        assert!(rds.double);
        assert_eq!(rds.instance_id, "rm-1");
        assert_eq!(rds.clone_of("app"), "app_clone");
        assert!(
            !parse_extended(
                DbKind::Rds,
                Some(r#"{"SecretSubType":"SingleUser","DBInstanceId":"rm-1"}"#)
            )
            .unwrap()
            .double
        );
        for bad in [
            r#"{"SecretSubType":"DualUser","DBInstanceId":"rm-1"}"#,
            r#"{"SecretSubType":"SingleUser"}"#,
            r#"{"SecretSubType":"SingleUser","DBInstanceId":"rm/1"}"#,
            r#"[1]"#,
            r#"{"SecretSubType":"SingleUser","DBInstanceId":"rm-1","CustomData":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11}}"#,
        ] {
            assert!(parse_extended(DbKind::Rds, Some(bad)).is_err(), "{bad}");
        }
        let long = format!(
            r#"{{"SecretSubType":"SingleUser","DBInstanceId":"rm-1","CustomData":{{"x":"{}"}}}}"#,
            "a".repeat(1000)
        );
        assert!(parse_extended(DbKind::Rds, Some(&long)).is_err());
        assert!(parse_extended(DbKind::Redis, Some(r#"{"SecretSubType":"SingleUser","InstanceId":"r-1","AccountName":"a","RegionId":"cn-hangzhou"}"#)).is_err());
        let redis = parse_extended(
            DbKind::Redis,
            Some(r#"{"SecretSubType":"DoubleUsers","InstanceId":"r-1","AccountName":"app","CloneAccountName":"app2","AccountPrivilege":"RoleReadOnly","RegionId":"cn-hangzhou"}"#),
        )
        .unwrap();
        assert_eq!(redis.clone_of("app"), "app2");
        assert_eq!(redis.privilege, Privilege::ReadOnly);
        assert!(parse_extended(DbKind::PolarDb, Some(r#"{"SecretSubType":"DoubleUsers","DBClusterId":"pc-1","AccountName":"a","RegionId":"cn-hangzhou","DBType":"Oracle"}"#)).is_err());
        assert_eq!(
            instance_id_in(DbKind::PolarDb, r#"{"DBClusterId":"pc-9"}"#).as_deref(),
            Some("pc-9")
        );
        assert!(instance_id_in(DbKind::Rds, "nope").is_none());
    }

    #[test]
    fn accounts_and_instances() {
        assert_eq!(
            parse_accounts(
                r#"{"Accounts":[{"AccountName":"a","AccountPassword":"p"}]}"#,
                false
            )
            .unwrap()
            .len(),
            1
        );
        assert!(parse_accounts(r#"{"Accounts":[{"AccountName":"a","AccountPassword":"p"},{"AccountName":"b","AccountPassword":"q"}]}"#, false).is_err());
        assert_eq!(parse_accounts(r#"{"Accounts":[{"AccountName":"a","AccountPassword":"p"},{"AccountName":"b","AccountPassword":"q"}]}"#, true).unwrap().len(), 2);
        assert!(parse_accounts(r#"{"Accounts":[]}"#, true).is_err());
        let i = parse_instance(
            "rm-1",
            br#"{"Engine":"PostgreSQL","Host":"127.0.0.1","Port":"5433","AdminAccount":"admin","AdminPassword":"pw","Database":"app"}"#,
        )
        .unwrap();
        assert_eq!(
            (i.engine, i.port, i.database.as_deref()),
            (Engine::PostgreSql, 5433, Some("app"))
        );
        let e = parse_instance(
            "rm-1",
            br#"{"Engine":"Oracle","Host":"h","AdminAccount":"a","AdminPassword":"secret-pw"}"#,
        )
        .unwrap_err();
        assert!(!e.message.contains("secret-pw"));
        assert!(parse_instance("rm-1", br#"{"Engine":"MySQL","Host":"h","AdminAccount":"a","AdminPassword":"p","TLS":{"Mode":"verify-full"}}"#).is_err());
        let a = Account::from_json(br#"{"AccountName":"x","AccountPassword":"y"}"#).unwrap();
        assert_eq!((a.name.as_str(), a.password.expose()), ("x", "y"));
        assert_eq!(new_password().unwrap().expose().len(), 32);
        assert!(new_password()
            .unwrap()
            .expose()
            .chars()
            .all(|c| c.is_ascii_alphanumeric()));
    }
}
