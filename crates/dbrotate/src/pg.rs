//! PostgreSQL: the operations through the `postgres` driver.
//!
//! Every operation runs on a thread of its own under
//! [`OPERATION_TIMEOUT`](crate::OPERATION_TIMEOUT), connecting under
//! [`CONNECT_TIMEOUT`](crate::CONNECT_TIMEOUT): the driver bounds neither
//! the server's handshake nor a read.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;

use postgres::error::SqlState;
use postgres::{Client, GenericClient};

use crate::{deadline, scram, Error, Instance, Privilege, Secret, TlsMode};
use crate::{CONNECT_TIMEOUT, OPERATION_TIMEOUT};

/// The database connected to when the instance names none.
const DEFAULT_DATABASE: &str = "postgres";

/// Set on each admin session: bounds every statement and lock wait.
const SESSION_LIMITS: &str = "SET statement_timeout = '30s'; SET lock_timeout = '10s'; \
     SET idle_in_transaction_session_timeout = '60s'";

/// `"name"`, a quoted identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A SCRAM verifier as a string literal. Its characters (base64, `$`, `:`,
/// `-`) need no escaping; anything else is refused.
fn verifier_literal(v: &str) -> Result<String, Error> {
    if v.chars()
        .all(|c| c.is_ascii_alphanumeric() || "+/=$:-".contains(c))
    {
        Ok(format!("'{v}'"))
    } else {
        Err(Error::Other(
            "unexpected character in a SCRAM verifier".into(),
        ))
    }
}

/// The driver's configuration and TLS connector for `user` on `instance`.
fn config(
    instance: &Instance,
    user: &str,
    password: &Secret,
) -> Result<(postgres::Config, rampart_dbtls::MakeTls), Error> {
    let mut config = postgres::Config::new();
    config
        .host(&instance.host)
        .port(instance.port)
        .user(user)
        .password(password.expose())
        .dbname(instance.database.as_deref().unwrap_or(DEFAULT_DATABASE))
        .application_name("rampart-dbrotate")
        .connect_timeout(CONNECT_TIMEOUT)
        .keepalives(true)
        .tcp_user_timeout(crate::STATEMENT_TIMEOUT);
    let tls = match &instance.tls {
        None => {
            config.ssl_mode(postgres::config::SslMode::Disable);
            rampart_dbtls::MakeTls::plain()
        }
        Some(tls) => {
            use rampart_dbtls::SslMode;
            let mode = match (tls.mode, &tls.ca_pem) {
                (TlsMode::Require, None) => SslMode::Require,
                (TlsMode::Require | TlsMode::VerifyCa, _) => SslMode::VerifyCa,
                (TlsMode::VerifyFull, _) => SslMode::VerifyFull,
            };
            // The connector reads its roots from a file, at once.
            let file = match &tls.ca_pem {
                Some(pem) => {
                    let mut f = tempfile::NamedTempFile::new()
                        .map_err(|e| Error::Other(format!("TLS: cannot write the CA: {e}")))?;
                    f.write_all(pem.as_bytes())
                        .map_err(|e| Error::Other(format!("TLS: cannot write the CA: {e}")))?;
                    Some(f)
                }
                None => None,
            };
            let path = match &file {
                Some(f) => Some(
                    f.path()
                        .to_str()
                        .ok_or_else(|| Error::Other("TLS: temporary path is not UTF-8".into()))?
                        .to_string(),
                ),
                None => None,
            };
            config.ssl_mode(postgres::config::SslMode::Require);
            rampart_dbtls::MakeTls::new(mode, path.as_deref())
                .map_err(|e| Error::Other(format!("TLS: {e}")))?
        }
    };
    Ok((config, tls))
}

/// Connects as `user`: the driver's own result, or an error of ours
/// (TLS settings, the connect deadline).
fn connect(
    instance: &Instance,
    user: &str,
    password: &Secret,
) -> Result<Result<Client, postgres::Error>, Error> {
    let (config, tls) = config(instance, user, password)?;
    // A little over the driver's own TCP timeout, which it reports better.
    deadline::run(
        CONNECT_TIMEOUT + std::time::Duration::from_secs(1),
        "connecting to PostgreSQL",
        move || Ok(config.connect(tls)),
    )
}

/// A driver error's text: the server's message and SQLSTATE when there is
/// one (never the statement).
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => {
            // The driver leaves the cause (I/O, TLS) to `source()`.
            let mut out = e.to_string();
            let mut cause = std::error::Error::source(e);
            while let Some(c) = cause {
                out = format!("{out}: {c}");
                cause = c.source();
            }
            out
        }
    }
}

/// Whether a driver error is a connection-level failure.
fn is_io(e: &postgres::Error) -> bool {
    e.as_db_error().is_none()
        && (e.is_closed() || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>()))
}

/// Classifies a failure to connect as admin.
fn admin_connect_error(e: postgres::Error) -> Error {
    let msg = describe(&e);
    match e.code() {
        Some(c) if *c == SqlState::INVALID_PASSWORD => Error::AdminAuthFailed(msg),
        Some(c) if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
            Error::AdminAuthFailed(msg)
        }
        Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => Error::NoPrivilege(msg),
        Some(c)
            if *c == SqlState::TOO_MANY_CONNECTIONS
                || *c == SqlState::CANNOT_CONNECT_NOW
                || *c == SqlState::ADMIN_SHUTDOWN =>
        {
            Error::Unreachable(msg)
        }
        Some(_) => Error::Other(msg),
        None => Error::Unreachable(msg),
    }
}

/// Classifies a failed statement.
fn stmt_error(e: postgres::Error) -> Error {
    let msg = describe(&e);
    match e.code() {
        Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => Error::NoPrivilege(msg),
        Some(c) if *c == SqlState::QUERY_CANCELED || *c == SqlState::LOCK_NOT_AVAILABLE => {
            Error::Unreachable(format!("timed out: {msg}"))
        }
        Some(_) => Error::Other(msg),
        None if is_io(&e) => Error::Unreachable(msg),
        None => Error::Other(msg),
    }
}

/// Runs `f` on an admin connection, on a thread of its own, within
/// [`OPERATION_TIMEOUT`].
fn with_admin<T, F>(instance: &Instance, what: &str, f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce(&mut Client) -> Result<T, Error> + Send + 'static,
{
    let instance = instance.clone();
    deadline::run(OPERATION_TIMEOUT, what, move || {
        let mut client = connect(&instance, &instance.admin_account, &instance.admin_password)?
            .map_err(admin_connect_error)?;
        client.batch_execute(SESSION_LIMITS).map_err(stmt_error)?;
        f(&mut client)
    })
}

/// See [`crate::probe`].
pub(crate) fn probe(instance: &Instance) -> Result<String, Error> {
    with_admin(instance, "the PostgreSQL probe", |c| {
        let row = c.query_one("SELECT version()", &[]).map_err(stmt_error)?;
        row.try_get(0).map_err(stmt_error)
    })
}

/// A role's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Role {
    oid: u32,
    superuser: bool,
    inherit: bool,
    createrole: bool,
    createdb: bool,
    login: bool,
    replication: bool,
    bypassrls: bool,
    connlimit: i32,
}

fn role(c: &mut impl GenericClient, name: &str) -> Result<Option<Role>, Error> {
    let row = c
        .query_opt(
            "SELECT oid, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, \
             rolreplication, rolbypassrls, rolconnlimit FROM pg_catalog.pg_roles \
             WHERE rolname = $1",
            &[&name],
        )
        .map_err(stmt_error)?;
    let Some(r) = row else { return Ok(None) };
    let g = |e| stmt_error(e);
    Ok(Some(Role {
        oid: r.try_get(0).map_err(g)?,
        superuser: r.try_get(1).map_err(g)?,
        inherit: r.try_get(2).map_err(g)?,
        createrole: r.try_get(3).map_err(g)?,
        createdb: r.try_get(4).map_err(g)?,
        login: r.try_get(5).map_err(g)?,
        replication: r.try_get(6).map_err(g)?,
        bypassrls: r.try_get(7).map_err(g)?,
        connlimit: r.try_get(8).map_err(g)?,
    }))
}

/// See [`crate::account_exists`].
pub(crate) fn account_exists(instance: &Instance, account: &str) -> Result<bool, Error> {
    let account = account.to_string();
    with_admin(instance, "the PostgreSQL account check", move |c| {
        Ok(role(c, &account)?.is_some())
    })
}

/// See [`crate::set_password`].
pub(crate) fn set_password(
    instance: &Instance,
    account: &str,
    password: &Secret,
) -> Result<(), Error> {
    let account = account.to_string();
    let password = password.clone();
    with_admin(instance, "setting a PostgreSQL password", move |c| {
        if role(c, &account)?.is_none() {
            return Err(Error::NoSuchAccount(account));
        }
        let verifier = scram::verifier(password.expose())?;
        c.batch_execute(&format!(
            "ALTER ROLE {} PASSWORD {}",
            ident(&account),
            verifier_literal(&verifier)?
        ))
        .map_err(stmt_error)
    })
}

/// See [`crate::check_login`].
pub(crate) fn check_login(
    instance: &Instance,
    account: &str,
    password: &Secret,
) -> Result<bool, Error> {
    let instance = instance.clone();
    let account = account.to_string();
    let password = password.clone();
    deadline::run(OPERATION_TIMEOUT, "a PostgreSQL login check", move || {
        match connect(&instance, &account, &password)? {
            Ok(mut client) => {
                client.batch_execute("SELECT 1").map_err(stmt_error)?;
                Ok(true)
            }
            Err(e) => {
                let msg = describe(&e);
                match e.code() {
                    Some(c) if *c == SqlState::INVALID_PASSWORD => Ok(false),
                    // Authenticated, then refused the database.
                    Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => Ok(true),
                    Some(c) if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
                        Err(Error::Other(format!(
                            "the server refused the login for a reason other than the \
                             password: {msg}"
                        )))
                    }
                    _ => Err(match admin_connect_error(e) {
                        Error::AdminAuthFailed(m) => Error::Other(m),
                        other => other,
                    }),
                }
            }
        }
    })
}

/// Role attribute keywords for `clone` to match `source`. `current` is the
/// clone's own attributes when it exists: the attributes only a superuser
/// may name (`SUPERUSER`, `REPLICATION`, `BYPASSRLS`, even their `NO`
/// forms) are named only when they change.
fn attributes(source: &Role, current: Option<&Role>) -> String {
    let mut out = Vec::new();
    let flag = |on: bool, yes: &str, no: &str| if on { yes } else { no }.to_string();
    out.push(flag(source.login, "LOGIN", "NOLOGIN"));
    out.push(flag(source.inherit, "INHERIT", "NOINHERIT"));
    out.push(flag(source.createdb, "CREATEDB", "NOCREATEDB"));
    out.push(format!("CONNECTION LIMIT {}", source.connlimit));
    let guarded = [
        (
            source.superuser,
            current.map(|r| r.superuser),
            "SUPERUSER",
            "NOSUPERUSER",
        ),
        (
            source.createrole,
            current.map(|r| r.createrole),
            "CREATEROLE",
            "NOCREATEROLE",
        ),
        (
            source.replication,
            current.map(|r| r.replication),
            "REPLICATION",
            "NOREPLICATION",
        ),
        (
            source.bypassrls,
            current.map(|r| r.bypassrls),
            "BYPASSRLS",
            "NOBYPASSRLS",
        ),
    ];
    for (want, have, yes, no) in guarded {
        match have {
            None if want => out.push(yes.to_string()),
            Some(have) if have != want => out.push(flag(want, yes, no)),
            _ => {}
        }
    }
    out.join(" ")
}

/// A role membership's options: admin, inherit, set.
type MemberOptions = (bool, bool, bool);

/// The roles `member` is a direct member of, by quoted name.
fn memberships(
    c: &mut impl GenericClient,
    member: u32,
    v16: bool,
) -> Result<BTreeMap<String, MemberOptions>, Error> {
    let sql = if v16 {
        "SELECT quote_ident(r.rolname), m.admin_option, m.inherit_option, m.set_option \
         FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid = m.roleid \
         WHERE m.member = $1"
    } else {
        "SELECT quote_ident(r.rolname), m.admin_option, true, true \
         FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid = m.roleid \
         WHERE m.member = $1"
    };
    let rows = c.query(sql, &[&member]).map_err(stmt_error)?;
    let mut out: BTreeMap<String, MemberOptions> = BTreeMap::new();
    for r in rows {
        let name: String = r.try_get(0).map_err(stmt_error)?;
        let o: MemberOptions = (
            r.try_get(1).map_err(stmt_error)?,
            r.try_get(2).map_err(stmt_error)?,
            r.try_get(3).map_err(stmt_error)?,
        );
        // Several grantors (16+): the options add up.
        let e = out.entry(name).or_insert((false, false, false));
        *e = (e.0 || o.0, e.1 || o.1, e.2 || o.2);
    }
    Ok(out)
}

/// One privilege on one object: kind keyword, quoted object name, quoted
/// column (column privileges), privilege keyword, grant option.
type Grant = (String, String, Option<String>, String, bool);

/// Every object privilege held by `source` or `clone` in the current
/// database, per grantee (objects `clone` owns left out for both).
const OBJECT_PRIVILEGES: &str = r#"
WITH x(kind, obj, col, objoid, owner, acl) AS (
  SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
         format('%I.%I', n.nspname, c.relname), NULL::text, c.oid, c.relowner,
         coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
     AND n.nspname !~ '^pg_(toast_)?temp_'
  UNION ALL
  SELECT 'COLUMN', format('%I.%I', n.nspname, c.relname), quote_ident(a.attname), c.oid, c.relowner, a.attacl
    FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
     AND n.nspname !~ '^pg_(toast_)?temp_'
  UNION ALL
  SELECT 'SCHEMA', quote_ident(n.nspname), NULL, n.oid, n.nspowner,
         coalesce(n.nspacl, acldefault('n', n.nspowner))
    FROM pg_catalog.pg_namespace n WHERE n.nspname !~ '^pg_(toast_)?temp_'
  UNION ALL
  SELECT 'ROUTINE', format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)),
         NULL, p.oid, p.proowner, coalesce(p.proacl, acldefault('f', p.proowner))
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname !~ '^pg_(toast_)?temp_'
  UNION ALL
  SELECT 'DATABASE', quote_ident(d.datname), NULL, d.oid, d.datdba,
         coalesce(d.datacl, acldefault('d', d.datdba))
    FROM pg_catalog.pg_database d WHERE d.datname = current_database()
  UNION ALL
  SELECT 'TYPE', format('%I.%I', n.nspname, t.typname), NULL, t.oid, t.typowner,
         coalesce(t.typacl, acldefault('T', t.typowner))
    FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid
   WHERE t.typcategory <> 'A' AND t.typtype <> 'm' AND (t.typrelid = 0 OR tc.relkind = 'c')
     AND n.nspname !~ '^pg_(toast_)?temp_'
  UNION ALL
  SELECT 'LANGUAGE', quote_ident(l.lanname), NULL, l.oid, l.lanowner,
         coalesce(l.lanacl, acldefault('l', l.lanowner))
    FROM pg_catalog.pg_language l WHERE l.lanpltrusted
  UNION ALL
  SELECT 'FOREIGN DATA WRAPPER', quote_ident(w.fdwname), NULL, w.oid, w.fdwowner,
         coalesce(w.fdwacl, acldefault('F', w.fdwowner))
    FROM pg_catalog.pg_foreign_data_wrapper w
  UNION ALL
  SELECT 'FOREIGN SERVER', quote_ident(s.srvname), NULL, s.oid, s.srvowner,
         coalesce(s.srvacl, acldefault('S', s.srvowner))
    FROM pg_catalog.pg_foreign_server s
  UNION ALL
  SELECT 'TABLESPACE', quote_ident(t.spcname), NULL, t.oid, t.spcowner,
         coalesce(t.spcacl, acldefault('t', t.spcowner))
    FROM pg_catalog.pg_tablespace t
)
SELECT a.grantee, x.kind, x.obj, x.col, a.privilege_type, a.is_grantable
  FROM x CROSS JOIN LATERAL aclexplode(x.acl) a
 WHERE a.grantee IN ($1, $2)
   AND x.owner <> $2
   -- The owner's implicit rights on objects made by initdb.
   AND NOT (x.owner = a.grantee AND x.objoid < 16384)
 ORDER BY 1, 2, 3, 4, 5
"#;

/// The privilege keywords `aclexplode` yields that may be granted back.
const PRIVILEGES: [&str; 13] = [
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "REFERENCES",
    "TRIGGER",
    "EXECUTE",
    "USAGE",
    "CREATE",
    "CONNECT",
    "TEMPORARY",
    "MAINTAIN",
];

/// `source`'s and `clone`'s object privileges.
fn object_privileges(
    c: &mut impl GenericClient,
    source: u32,
    clone: u32,
) -> Result<(BTreeSet<Grant>, BTreeSet<Grant>), Error> {
    let rows = c
        .query(OBJECT_PRIVILEGES, &[&source, &clone])
        .map_err(stmt_error)?;
    let (mut src, mut cl) = (BTreeSet::new(), BTreeSet::new());
    for r in rows {
        let grantee: u32 = r.try_get(0).map_err(stmt_error)?;
        let g: Grant = (
            r.try_get(1).map_err(stmt_error)?,
            r.try_get(2).map_err(stmt_error)?,
            r.try_get(3).map_err(stmt_error)?,
            r.try_get(4).map_err(stmt_error)?,
            r.try_get(5).map_err(stmt_error)?,
        );
        if grantee == source {
            src.insert(g);
        } else {
            cl.insert(g);
        }
    }
    Ok((src, cl))
}

/// The object of a GRANT or REVOKE for `g`: `SELECT ON TABLE s.t`,
/// `SELECT ("c") ON TABLE s.t`.
fn grant_target(g: &Grant) -> Result<String, Error> {
    let (kind, obj, col, privilege, _) = g;
    if !PRIVILEGES.contains(&privilege.as_str()) {
        return Err(Error::Other(format!(
            "unexpected privilege `{privilege}` on {kind} {obj}"
        )));
    }
    Ok(match (kind.as_str(), col) {
        ("COLUMN", Some(col)) => format!("{privilege} ({col}) ON TABLE {obj}"),
        (kind, _) => format!("{privilege} ON {kind} {obj}"),
    })
}

/// One default privilege: `FOR ROLE o [IN SCHEMA s]`, the object class
/// keyword, the privilege, the grant option.
type DefaultGrant = (String, String, String, bool);

fn default_privileges(
    c: &mut impl GenericClient,
    grantee: u32,
) -> Result<BTreeSet<DefaultGrant>, Error> {
    let rows = c
        .query(
            "SELECT format('FOR ROLE %I', pg_catalog.pg_get_userbyid(d.defaclrole)) || \
               CASE WHEN d.defaclnamespace = 0 THEN '' ELSE format(' IN SCHEMA %I', n.nspname) END, \
               d.defaclobjtype::text, a.privilege_type, a.is_grantable \
             FROM pg_catalog.pg_default_acl d \
             LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace \
             CROSS JOIN LATERAL aclexplode(d.defaclacl) a WHERE a.grantee = $1",
            &[&grantee],
        )
        .map_err(stmt_error)?;
    let mut out = BTreeSet::new();
    for r in rows {
        let objtype: String = r.try_get(1).map_err(stmt_error)?;
        let class = match objtype.as_str() {
            "r" => "TABLES",
            "S" => "SEQUENCES",
            "f" => "ROUTINES",
            "T" => "TYPES",
            "n" => "SCHEMAS",
            other => {
                return Err(Error::Other(format!(
                    "unexpected default privilege object type `{other}`"
                )))
            }
        };
        let privilege: String = r.try_get(2).map_err(stmt_error)?;
        if !PRIVILEGES.contains(&privilege.as_str()) {
            return Err(Error::Other(format!(
                "unexpected default privilege `{privilege}`"
            )));
        }
        out.insert((
            r.try_get(0).map_err(stmt_error)?,
            class.to_string(),
            privilege,
            r.try_get(3).map_err(stmt_error)?,
        ));
    }
    Ok(out)
}

/// A row-level security policy naming `source` or `clone`: its `name ON
/// table`, its roles (quoted), and which of the two it names.
type Policy = (String, Vec<String>, bool, bool);

fn policies(c: &mut impl GenericClient, source: u32, clone: u32) -> Result<Vec<Policy>, Error> {
    let rows = c
        .query(
            "SELECT format('%I ON %I.%I', p.polname, n.nspname, c.relname), \
               ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' \
                     ELSE quote_ident(pg_catalog.pg_get_userbyid(r)) END \
                     FROM unnest(p.polroles) r), \
               $1 = ANY(p.polroles), $2 = ANY(p.polroles) \
             FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE $1 = ANY(p.polroles) OR $2 = ANY(p.polroles)",
            &[&source, &clone],
        )
        .map_err(stmt_error)?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0).map_err(stmt_error)?,
                r.try_get(1).map_err(stmt_error)?,
                r.try_get(2).map_err(stmt_error)?,
                r.try_get(3).map_err(stmt_error)?,
            ))
        })
        .collect()
}

fn server_v16(c: &mut impl GenericClient) -> Result<bool, Error> {
    let row = c
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .map_err(stmt_error)?;
    let v: i32 = row.try_get(0).map_err(stmt_error)?;
    Ok(v >= 160_000)
}

/// A membership grant: `GRANT "r" TO "clone" WITH …`.
fn membership_grant(role: &str, clone: &str, o: MemberOptions, v16: bool) -> String {
    if v16 {
        format!(
            "GRANT {role} TO {} WITH ADMIN {}, INHERIT {}, SET {}",
            ident(clone),
            o.0,
            o.1,
            o.2
        )
    } else if o.0 {
        format!("GRANT {role} TO {} WITH ADMIN OPTION", ident(clone))
    } else {
        format!("GRANT {role} TO {}", ident(clone))
    }
}

/// See [`crate::clone_account`].
pub(crate) fn clone_account(
    instance: &Instance,
    source: &str,
    clone: &str,
    password: &Secret,
) -> Result<(), Error> {
    let (source, clone) = (source.to_string(), clone.to_string());
    let password = password.clone();
    with_admin(instance, "cloning a PostgreSQL account", move |c| {
        let v16 = server_v16(c)?;
        let mut tx = c.transaction().map_err(stmt_error)?;
        let src = role(&mut tx, &source)?.ok_or_else(|| Error::NoSuchAccount(source.clone()))?;
        let existing = role(&mut tx, &clone)?;
        let verifier = verifier_literal(&scram::verifier(password.expose())?)?;
        let verb = if existing.is_some() {
            "ALTER"
        } else {
            "CREATE"
        };
        tx.batch_execute(&format!(
            "{verb} ROLE {} WITH {} PASSWORD {verifier}",
            ident(&clone),
            attributes(&src, existing.as_ref())
        ))
        .map_err(stmt_error)?;
        let cl =
            role(&mut tx, &clone)?.ok_or_else(|| Error::Other("the clone role vanished".into()))?;

        // Role memberships.
        let want = memberships(&mut tx, src.oid, v16)?;
        let have = memberships(&mut tx, cl.oid, v16)?;
        let clone_quoted = ident(&clone);
        for (r, o) in &have {
            if want.get(r) != Some(o) {
                tx.batch_execute(&format!("REVOKE {r} FROM {clone_quoted} CASCADE"))
                    .map_err(stmt_error)?;
            }
        }
        for (r, o) in &want {
            if *r == clone_quoted {
                continue;
            }
            if have.get(r) != Some(o) {
                tx.batch_execute(&membership_grant(r, &clone, *o, v16))
                    .map_err(stmt_error)?;
            }
        }

        // Object privileges.
        let (want, have) = object_privileges(&mut tx, src.oid, cl.oid)?;
        for g in have.difference(&want) {
            tx.batch_execute(&format!(
                "REVOKE {} FROM {clone_quoted} CASCADE",
                grant_target(g)?
            ))
            .map_err(stmt_error)?;
        }
        for g in want.difference(&have) {
            let option = if g.4 { " WITH GRANT OPTION" } else { "" };
            tx.batch_execute(&format!(
                "GRANT {} TO {clone_quoted}{option}",
                grant_target(g)?
            ))
            .map_err(stmt_error)?;
        }

        // Default privileges.
        let want = default_privileges(&mut tx, src.oid)?;
        let have = default_privileges(&mut tx, cl.oid)?;
        for (target, class, privilege, _) in have.difference(&want) {
            tx.batch_execute(&format!(
                "ALTER DEFAULT PRIVILEGES {target} REVOKE {privilege} ON {class} \
                 FROM {clone_quoted} CASCADE"
            ))
            .map_err(stmt_error)?;
        }
        for (target, class, privilege, grantable) in want.difference(&have) {
            let option = if *grantable { " WITH GRANT OPTION" } else { "" };
            tx.batch_execute(&format!(
                "ALTER DEFAULT PRIVILEGES {target} GRANT {privilege} ON {class} \
                 TO {clone_quoted}{option}"
            ))
            .map_err(stmt_error)?;
        }

        // Row-level security policies.
        for (target, roles, has_source, has_clone) in policies(&mut tx, src.oid, cl.oid)? {
            let roles: Vec<String> = if has_source && !has_clone {
                roles.into_iter().chain([clone_quoted.clone()]).collect()
            } else if has_clone && !has_source {
                roles.into_iter().filter(|r| *r != clone_quoted).collect()
            } else {
                continue;
            };
            if !roles.is_empty() {
                tx.batch_execute(&format!("ALTER POLICY {target} TO {}", roles.join(", ")))
                    .map_err(stmt_error)?;
            }
        }

        // What the catalogs now say must match.
        let (want, have) = object_privileges(&mut tx, src.oid, cl.oid)?;
        if want != have {
            let diff: Vec<String> = want
                .symmetric_difference(&have)
                .take(5)
                .map(|g| format!("{g:?}"))
                .collect();
            return Err(Error::Other(format!(
                "the clone's privileges still differ from the source's after granting: {}",
                diff.join("; ")
            )));
        }
        let mut want = memberships(&mut tx, src.oid, v16)?;
        want.remove(&clone_quoted);
        if want != memberships(&mut tx, cl.oid, v16)? {
            return Err(Error::Other(
                "the clone's role memberships still differ from the source's".into(),
            ));
        }
        tx.commit().map_err(stmt_error)
    })
}

/// See [`crate::create_account`].
pub(crate) fn create_account(
    instance: &Instance,
    account: &str,
    password: &Secret,
    privilege: Privilege,
) -> Result<(), Error> {
    let account = account.to_string();
    let password = password.clone();
    with_admin(instance, "creating a PostgreSQL account", move |c| {
        let mut tx = c.transaction().map_err(stmt_error)?;
        let verb = if role(&mut tx, &account)?.is_some() {
            "ALTER"
        } else {
            "CREATE"
        };
        let verifier = verifier_literal(&scram::verifier(password.expose())?)?;
        let who = ident(&account);
        tx.batch_execute(&format!("{verb} ROLE {who} WITH LOGIN PASSWORD {verifier}"))
            .map_err(stmt_error)?;
        let db: String = tx
            .query_one("SELECT quote_ident(current_database())", &[])
            .map_err(stmt_error)?
            .try_get(0)
            .map_err(stmt_error)?;
        let schemas: Vec<String> = tx
            .query(
                "SELECT quote_ident(nspname) FROM pg_catalog.pg_namespace \
                 WHERE nspname <> 'information_schema' AND nspname !~ '^pg_' ORDER BY 1",
                &[],
            )
            .map_err(stmt_error)?
            .iter()
            .map(|r| r.try_get(0).map_err(stmt_error))
            .collect::<Result<_, _>>()?;
        let schemas = schemas.join(", ");
        let mut statements = Vec::new();
        match privilege {
            Privilege::ReadWrite => {
                statements.push(format!("GRANT ALL ON DATABASE {db} TO {who}"));
                if !schemas.is_empty() {
                    statements.extend([
                        format!("GRANT USAGE, CREATE ON SCHEMA {schemas} TO {who}"),
                        format!("GRANT ALL ON ALL TABLES IN SCHEMA {schemas} TO {who}"),
                        format!("GRANT ALL ON ALL SEQUENCES IN SCHEMA {schemas} TO {who}"),
                        format!("GRANT EXECUTE ON ALL ROUTINES IN SCHEMA {schemas} TO {who}"),
                    ]);
                }
            }
            Privilege::ReadOnly => {
                statements.push(format!("GRANT CONNECT ON DATABASE {db} TO {who}"));
                if !schemas.is_empty() {
                    statements.extend([
                        format!("GRANT USAGE ON SCHEMA {schemas} TO {who}"),
                        format!("GRANT SELECT ON ALL TABLES IN SCHEMA {schemas} TO {who}"),
                        format!("GRANT SELECT ON ALL SEQUENCES IN SCHEMA {schemas} TO {who}"),
                    ]);
                }
            }
        }
        for s in statements {
            tx.batch_execute(&s).map_err(stmt_error)?;
        }
        tx.commit().map_err(stmt_error)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(superuser: bool, createrole: bool) -> Role {
        Role {
            oid: 1,
            superuser,
            inherit: true,
            createrole,
            createdb: false,
            login: true,
            replication: false,
            bypassrls: false,
            connlimit: -1,
        }
    }

    #[test]
    fn attributes_name_guarded_flags_only_when_they_change() {
        let plain = role(false, false);
        assert_eq!(
            attributes(&plain, None),
            "LOGIN INHERIT NOCREATEDB CONNECTION LIMIT -1"
        );
        assert_eq!(
            attributes(&plain, Some(&plain)),
            "LOGIN INHERIT NOCREATEDB CONNECTION LIMIT -1"
        );
        let su = role(true, true);
        assert_eq!(
            attributes(&su, None),
            "LOGIN INHERIT NOCREATEDB CONNECTION LIMIT -1 SUPERUSER CREATEROLE"
        );
        assert_eq!(
            attributes(&plain, Some(&su)),
            "LOGIN INHERIT NOCREATEDB CONNECTION LIMIT -1 NOSUPERUSER NOCREATEROLE"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert!(verifier_literal("SCRAM-SHA-256$4096:abc=$x+/:y").is_ok());
        assert!(verifier_literal("x' OR '1").is_err());
        let g: Grant = (
            "COLUMN".into(),
            "public.t".into(),
            Some("\"c\"".into()),
            "SELECT".into(),
            false,
        );
        assert_eq!(
            grant_target(&g).unwrap(),
            "SELECT (\"c\") ON TABLE public.t"
        );
        let bad: Grant = (
            "TABLE".into(),
            "t".into(),
            None,
            "SELECT; DROP".into(),
            false,
        );
        assert!(grant_target(&bad).is_err());
    }
}
