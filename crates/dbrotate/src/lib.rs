//! Database-side password rotation for Rampart's `Rds`, `PolarDB` and
//! `Redis` secrets: the operations on PostgreSQL, MySQL/MariaDB and Redis
//! accounts that rotating such a secret needs.
//!
//! Every operation takes an [`Instance`] (where the database is and the
//! admin account that acts on it), opens its own connection as that admin,
//! does its work and closes the connection. Nothing is cached or pooled.
//!
//! | function | what it does |
//! |---|---|
//! | [`check_account_name`] | the naming rule, checked before anything is sent |
//! | [`probe`] | connects as admin, returns the server's version |
//! | [`account_exists`] | whether an account exists |
//! | [`set_password`] | changes an account's password |
//! | [`clone_account`] | creates or refreshes `<source>_clone` with `source`'s privileges |
//! | [`create_account`] | creates an account (for `$Auto` secrets) |
//! | [`check_login`] | which password the database holds: logs on as the account |
//!
//! # Passwords
//!
//! A password is a [`Secret`]: wiped from memory when dropped, a
//! placeholder in `Debug`. No password appears in an [`Error`], in a log
//! line (this crate logs nothing), or in a `Debug` output. What reaches
//! each server:
//!
//! - **PostgreSQL**: never the plaintext. Rampart computes the
//!   SCRAM-SHA-256 verifier (RFC 5802/7677, PostgreSQL's exact format, see
//!   [`scram_verifier`]) and sends `ALTER ROLE "name" PASSWORD
//!   'SCRAM-SHA-256$4096:…'`, which the server stores as it is. The
//!   server's statement log and `pg_stat_statements` see only the verifier.
//! - **MariaDB**: never the plaintext either: `IDENTIFIED BY PASSWORD
//!   '*<hex>'`, the `mysql_native_password` hash (`*` and the upper-case hex
//!   of SHA1(SHA1(password))). The account's authentication plugin becomes
//!   `mysql_native_password` (RDS's default for MariaDB). A test runs a private
//!   MariaDB with its general query log on and finds no password in it.
//! - **MySQL**: an account using `mysql_native_password` gets `IDENTIFIED
//!   WITH mysql_native_password AS '*<hex>'` (no plaintext); any other
//!   plugin (MySQL 8's default `caching_sha2_password`) gets `IDENTIFIED BY
//!   '<password>'` as an escaped string literal (MySQL's grammar takes no
//!   bound parameter there). MySQL rewrites the password out of its general
//!   query log, slow log and binary log for these statements, unless the
//!   server runs with `--log-raw`. This MySQL path was not tested against a
//!   MySQL server (only MariaDB is at hand); its statements are unit-tested.
//! - **Redis**: never the plaintext: `ACL SETUSER <name> resetpass
//!   #<sha256 hex>`, sent through the client's argument API (each argument
//!   a RESP bulk string: nothing is split on spaces).
//!
//! Logging on ([`check_login`], and the admin connection) necessarily sends
//! the password in the engine's authentication exchange (PostgreSQL:
//! SCRAM, the plaintext never sent; MySQL: the plugin's scramble; Redis:
//! `AUTH`, which Redis leaves out of `MONITOR` and `SLOWLOG`).
//!
//! The drivers keep their own copies of the credentials of a connection
//! while it is open (not wiped); this crate's own copies are.
//!
//! # Timeouts
//!
//! Connecting gives up after 10 s ([`CONNECT_TIMEOUT`]), including a server
//! that accepts the connection and never answers. Each statement is bounded
//! by 30 s ([`STATEMENT_TIMEOUT`]): PostgreSQL's `statement_timeout` and
//! `lock_timeout` (10 s) for the session plus a deadline on the whole
//! operation ([`OPERATION_TIMEOUT`], as the PostgreSQL driver has no
//! socket read timeout); MySQL's and Redis' socket read/write timeouts and
//! MySQL's `lock_wait_timeout`. A timeout is [`Error::Unreachable`]. An
//! operation that times out may still have been carried out by the server:
//! [`check_login`] tells which password holds.
//!
//! # Account names
//!
//! [`check_account_name`] is applied to every account name (not to the
//! admin's) before any connection is made. Names then reach statements
//! only as quoted identifiers (`"name"`, `` `name` ``), bound parameters or
//! single RESP arguments.
//!
//! # TLS
//!
//! PostgreSQL connections use [`Tls`] through `rampart-dbtls` (rustls):
//! `require` (no certificate check, or `verify-ca` when a CA is given, as
//! libpq does), `verify-ca`, `verify-full`. TLS to MySQL/MariaDB and Redis
//! is not built in: an [`Instance`] of those engines with `tls` set is
//! refused with [`Error::Unsupported`]; the integrator who needs it runs a
//! TLS tunnel or extends this crate (the `mysql` crate's `rustls-tls-ring`
//! and the `redis` crate's `tls-rustls` features).
//!
//! # Per engine
//!
//! See [`set_password`], [`clone_account`] and [`create_account`] for what
//! each does on each engine.
//!
//! # Testing
//!
//! The cargo feature `testing` adds the module `testing` (only with it):
//! `testing::PgCluster`, a private PostgreSQL cluster with SCRAM password
//! authentication and a statement log, for other crates' end-to-end tests,
//! and helpers for unique account names and random passwords.
//!
//! This crate's integration tests (`tests/`) use that cluster for
//! PostgreSQL (Debian's binaries under `/usr/lib/postgresql/<v>/bin`, or
//! `$RAMPART_PG_BIN`), the MariaDB/MySQL server at
//! `$RAMPART_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306`) and
//! the Redis server at `$RAMPART_TEST_REDIS_URL` (default
//! `redis://127.0.0.1:6379`), making uniquely named accounts and removing
//! them afterwards. `RAMPART_TEST_POSTGRES=skip`, `RAMPART_TEST_MYSQL=skip`
//! and `RAMPART_TEST_REDIS=skip` skip an engine's tests.

mod deadline;
mod error;
mod mysql_db;
mod names;
mod pg;
mod redis_db;
mod scram;
mod secret;
#[cfg(feature = "testing")]
pub mod testing;

use std::time::Duration;

pub use error::Error;
pub use names::{check_account_name, MAX_NAME_LEN, MIN_NAME_LEN};
pub use secret::Secret;

/// How long connecting (TCP, TLS and the server's handshake) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one statement or command may take.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one whole PostgreSQL operation may take, connection included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(120);

/// A database engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// PostgreSQL (RDS for PostgreSQL, PolarDB for PostgreSQL).
    PostgreSql,
    /// MySQL (RDS for MySQL, PolarDB for MySQL).
    MySql,
    /// MariaDB (RDS for MariaDB). Treated as MySQL except where the server
    /// itself (its version string) says MariaDB.
    MariaDb,
    /// Redis 6 or later (ACL users), or a Redis-compatible server.
    Redis,
}

impl Engine {
    /// The engine's usual port.
    pub fn default_port(self) -> u16 {
        match self {
            Self::PostgreSql => 5432,
            Self::MySql | Self::MariaDb => 3306,
            Self::Redis => 6379,
        }
    }
}

/// How a connection is protected with TLS (PostgreSQL only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS; the certificate is checked against `ca_pem` if one is given
    /// (then as [`TlsMode::VerifyCa`]), not at all otherwise.
    Require,
    /// TLS; the certificate must chain to `ca_pem`.
    VerifyCa,
    /// TLS; the certificate must chain to `ca_pem` and name the host.
    VerifyFull,
}

/// TLS settings of an [`Instance`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    /// What is checked.
    pub mode: TlsMode,
    /// The PEM certificate(s) of the CA that signed the server's
    /// certificate; needed by `VerifyCa` and `VerifyFull`.
    pub ca_pem: Option<String>,
}

/// A database instance and the admin account that acts on it.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Its engine.
    pub engine: Engine,
    /// Host name or IP address (PostgreSQL: also a Unix socket directory,
    /// an absolute path).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// The admin account (PostgreSQL: a superuser, or a `CREATEROLE` role
    /// that holds the privileges it hands on; MySQL/MariaDB: `CREATE USER`
    /// and `GRANT OPTION` with the privileges it hands on, and `SELECT` on
    /// `mysql.user`; Redis: an ACL user allowed `ACL`). For Redis, an empty
    /// admin account logs on with the one-argument `AUTH <password>`, and
    /// an empty admin password does not log on at all (the `default` user
    /// with `nopass`).
    pub admin_account: String,
    /// The admin account's password.
    pub admin_password: Secret,
    /// PostgreSQL: the database connected to, whose objects'
    /// privileges [`clone_account`] copies and [`create_account`] grants
    /// (default `postgres`). MySQL/MariaDB: the database [`create_account`]
    /// grants on (none: no database privilege). Redis: unused.
    pub database: Option<String>,
    /// TLS (PostgreSQL only); `None`: plain connections.
    pub tls: Option<Tls>,
}

impl Instance {
    /// An instance with no database and no TLS.
    pub fn new(
        engine: Engine,
        host: impl Into<String>,
        port: u16,
        admin_account: impl Into<String>,
        admin_password: Secret,
    ) -> Self {
        Self {
            engine,
            host: host.into(),
            port,
            admin_account: admin_account.into(),
            admin_password,
            database: None,
            tls: None,
        }
    }

    /// This instance with `database` set.
    pub fn with_database(mut self, database: impl Into<String>) -> Self {
        self.database = Some(database.into());
        self
    }

    /// Refuses TLS settings the engine cannot use.
    fn check_tls(&self) -> Result<(), Error> {
        match (&self.tls, self.engine) {
            (Some(_), Engine::MySql | Engine::MariaDb | Engine::Redis) => {
                Err(Error::Unsupported(format!(
                    "TLS connections to {:?} instances are not supported; only PostgreSQL's are",
                    self.engine
                )))
            }
            _ => Ok(()),
        }
    }
}

/// What a new account may do (the API's `AccountPrivilege`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privilege {
    /// Read and write.
    ReadWrite,
    /// Read only.
    ReadOnly,
}

/// Connects as admin and returns the server's version string
/// (PostgreSQL: `version()`; MySQL/MariaDB: `VERSION()`; Redis:
/// `Redis <redis_version>` from `INFO server`). Used when an instance is
/// declared, to check its address and admin credentials.
pub fn probe(instance: &Instance) -> Result<String, Error> {
    instance.check_tls()?;
    let secrets = [instance.admin_password.expose()];
    match instance.engine {
        Engine::PostgreSql => pg::probe(instance),
        Engine::MySql | Engine::MariaDb => mysql_db::probe(instance),
        Engine::Redis => redis_db::probe(instance),
    }
    .map_err(|e| e.scrubbed(&secrets))
}

/// Whether `account` exists (PostgreSQL: a role of that name, whether it
/// can log on or not; MySQL/MariaDB: a `user@host` row of that user name,
/// any host, roles excluded; Redis: an ACL user).
pub fn account_exists(instance: &Instance, account: &str) -> Result<bool, Error> {
    check_account_name(instance.engine, account)?;
    instance.check_tls()?;
    let secrets = [instance.admin_password.expose()];
    match instance.engine {
        Engine::PostgreSql => pg::account_exists(instance, account),
        Engine::MySql | Engine::MariaDb => mysql_db::account_exists(instance, account),
        Engine::Redis => redis_db::account_exists(instance, account),
    }
    .map_err(|e| e.scrubbed(&secrets))
}

/// Sets `account`'s password; [`Error::NoSuchAccount`] if it does not
/// exist.
///
/// - PostgreSQL: `ALTER ROLE "<account>" PASSWORD
///   'SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>'`, the verifier
///   computed here (the plaintext never reaches the server).
/// - MySQL/MariaDB: `ALTER USER` for every `user@host` row of that name
///   (`SELECT Host, plugin FROM mysql.user WHERE User = ?`), with the
///   password as described in the crate's docs.
/// - Redis: `ACL SETUSER <account> resetpass #<sha256>`: the account's
///   other rules (on/off, keys, channels, commands, selectors) are kept; all
///   its former passwords are removed, `nopass` too.
pub fn set_password(instance: &Instance, account: &str, password: &Secret) -> Result<(), Error> {
    check_account_name(instance.engine, account)?;
    instance.check_tls()?;
    let derived = derived_forms(password);
    let secrets = secrets(instance, password, &derived);
    match instance.engine {
        Engine::PostgreSql => pg::set_password(instance, account, password),
        Engine::MySql | Engine::MariaDb => mysql_db::set_password(instance, account, password),
        Engine::Redis => redis_db::set_password(instance, account, password),
    }
    .map_err(|e| e.scrubbed(&secrets))
}

/// Creates `clone` with the same privileges as `source` and the password
/// `password`, for a `DoubleUsers` secret's second account. Idempotent: if
/// `clone` exists, its privileges are made equal to `source`'s and its
/// password set. `clone` never depends on `source` (it is not made a member
/// of it, nor given its password): changing or dropping `source` later
/// leaves `clone` working. [`Error::NoSuchAccount`] if `source` does not
/// exist; [`Error::InvalidAccountName`] if `clone` is `source` or the admin
/// account.
///
/// - **PostgreSQL**, in one transaction (all or nothing):
///   - role attributes: `LOGIN`, `INHERIT`, `CREATEDB`, `CONNECTION LIMIT`
///     as `source`'s; `SUPERUSER`, `CREATEROLE`, `REPLICATION`, `BYPASSRLS`
///     only if `source` has them (an admin that cannot give them gets
///     [`Error::NoPrivilege`]); `VALID UNTIL` is not copied (none);
///   - role memberships: `GRANT <role> TO clone` for each role `source` is
///     a direct member of, with the admin option (PostgreSQL 16+: and the
///     `INHERIT`/`SET` options) as `source` has it; memberships `clone` has
///     and `source` has not are revoked;
///   - object privileges on the instance's database, read from the
///     catalogs with `aclexplode` over each ACL, or the owner's default ACL
///     when the object has none: tables, views, materialized views, foreign
///     tables and sequences, their columns, schemas, functions, procedures
///     and aggregates (`ROUTINE`), types and domains, languages, foreign
///     data wrappers and servers, tablespaces, and the database itself,
///     each with its grant option. For an object `source` owns, `clone`
///     gets all the privileges of the owner (not ownership: `ALTER`,
///     `DROP` and the like stay `source`'s). Privileges `clone` holds and
///     `source` does not are revoked (except on objects `clone` owns);
///   - default privileges (`ALTER DEFAULT PRIVILEGES FOR ROLE <owner> [IN
///     SCHEMA s] GRANT … TO clone`) where `source` is a grantee;
///   - row-level security policies that name `source` name `clone` too.
///   - Not copied: role settings (`ALTER ROLE … SET`), privileges in other
///     databases, large objects, `GRANT SET ON PARAMETER`.
/// - **MySQL/MariaDB**: `clone` gets a row for each host `source` has
///   (rows on other hosts are dropped), each created with the password
///   (`CREATE USER … IDENTIFIED …`); an existing row loses all its
///   privileges and roles first (`REVOKE ALL PRIVILEGES, GRANT OPTION`,
///   and each role or proxy grant `SHOW GRANTS` lists, MariaDB's default
///   role reset); then every line of `SHOW GRANTS FOR source@host` is
///   replayed with the grantee replaced and any `IDENTIFIED …` part
///   dropped (MariaDB's `SET DEFAULT ROLE … FOR` lines included). Not
///   copied: `REQUIRE`/resource limits set by `ALTER USER` on MySQL 8,
///   MySQL 8's default roles, `DEFINER`s.
/// - **Redis**: `ACL SETUSER <clone> <source's rules> on #<sha256>`:
///   `source`'s rules as `ACL LIST` prints them (keys, channels, commands,
///   selectors, flags), without its passwords and `nopass`/`on`/`off`. One
///   command: Redis applies all of it or none. An existing `clone` is
///   deleted and made anew in one `MULTI`/`EXEC` (`ACL DELUSER`, `ACL
///   SETUSER`), as only a new user has no leftover flags; Redis closes the
///   connections logged on as it. A user's password is never the source's
///   (`nopass` is not copied).
pub fn clone_account(
    instance: &Instance,
    source: &str,
    clone: &str,
    password: &Secret,
) -> Result<(), Error> {
    check_account_name(instance.engine, source)?;
    check_account_name(instance.engine, clone)?;
    if clone == source {
        return Err(Error::InvalidAccountName(format!(
            "The clone account `{clone}` must differ from the source account."
        )));
    }
    check_not_admin(instance, clone)?;
    instance.check_tls()?;
    let derived = derived_forms(password);
    let secrets = secrets(instance, password, &derived);
    match instance.engine {
        Engine::PostgreSql => pg::clone_account(instance, source, clone, password),
        Engine::MySql | Engine::MariaDb => {
            mysql_db::clone_account(instance, source, clone, password)
        }
        Engine::Redis => redis_db::clone_account(instance, source, clone, password),
    }
    .map_err(|e| e.scrubbed(&secrets))
}

/// Creates `account` with `password` and `privilege`, for `$Auto` secrets
/// (PolarDB and Redis create their accounts). Idempotent: an existing
/// account gets the password and the privileges (nothing is revoked).
/// [`Error::InvalidAccountName`] if `account` is the admin account.
///
/// - **PostgreSQL**, in one transaction: `CREATE ROLE "<account>" LOGIN
///   PASSWORD '<verifier>'`; on the instance's database (default
///   `postgres`) and its existing schemas other than the system ones:
///   - `ReadWrite`: `ALL` on the database, `USAGE, CREATE` on each schema,
///     `ALL` on all its tables and sequences, `EXECUTE` on all its
///     routines;
///   - `ReadOnly`: `CONNECT` on the database, `USAGE` on each schema,
///     `SELECT` on all its tables and sequences.
///   - Objects created later are not covered (no default privileges).
/// - **MySQL/MariaDB**: `CREATE USER '<account>'@'%' IDENTIFIED …`, then on
///   the instance's `database` if one is set (none: no privilege beyond
///   logging on): `ReadWrite`: `GRANT ALL PRIVILEGES ON db.*`; `ReadOnly`:
///   `GRANT SELECT, SHOW VIEW ON db.*` (the database name's `_` and `%`
///   escaped so they are not wildcards).
/// - **Redis**: `ACL SETUSER <account> reset on #<sha256> ~* &*` and
///   `ReadWrite`: `+@all -@dangerous`; `ReadOnly`: `-@all +@read
///   +@connection -@dangerous`.
pub fn create_account(
    instance: &Instance,
    account: &str,
    password: &Secret,
    privilege: Privilege,
) -> Result<(), Error> {
    check_account_name(instance.engine, account)?;
    check_not_admin(instance, account)?;
    instance.check_tls()?;
    let derived = derived_forms(password);
    let secrets = secrets(instance, password, &derived);
    match instance.engine {
        Engine::PostgreSql => pg::create_account(instance, account, password, privilege),
        Engine::MySql | Engine::MariaDb => {
            mysql_db::create_account(instance, account, password, privilege)
        }
        Engine::Redis => redis_db::create_account(instance, account, password, privilege),
    }
    .map_err(|e| e.scrubbed(&secrets))
}

/// Logs on as `account` with `password` and runs a trivial command
/// (`SELECT 1`, `PING`; an account not allowed `PING` still counts as
/// logged on): `Ok(true)` if the password is accepted,
/// `Ok(false)` on an authentication failure (wrong password, unknown or
/// disabled account: the servers do not tell these apart), `Err` on
/// anything else (unreachable, timeout, a refusal that is not about the
/// password, such as PostgreSQL's `pg_hba.conf` or a role without
/// `LOGIN`). Used by the crash-safe rotation to find out which password the
/// database holds.
///
/// Details: PostgreSQL connects to the instance's database; a refusal of
/// that database after authentication (no `CONNECT` privilege) still
/// counts as `true`. MySQL connects without a database; a password that
/// has expired (`ER_MUST_CHANGE_PASSWORD`) counts as `true`. Redis sends
/// `AUTH <account> <password>`; a server that does not take the
/// two-argument form (no ACL, Redis < 6, some Tair proxies) is asked
/// `AUTH <account>:<password>` instead, Alibaba Cloud's one-string form.
pub fn check_login(instance: &Instance, account: &str, password: &Secret) -> Result<bool, Error> {
    check_account_name(instance.engine, account)?;
    instance.check_tls()?;
    let derived = derived_forms(password);
    let secrets = secrets(instance, password, &derived);
    match instance.engine {
        Engine::PostgreSql => pg::check_login(instance, account, password),
        Engine::MySql | Engine::MariaDb => mysql_db::check_login(instance, account, password),
        Engine::Redis => redis_db::check_login(instance, account, password),
    }
    .map_err(|e| e.scrubbed(&secrets))
}

/// PostgreSQL's SCRAM-SHA-256 verifier for `password`, with a fresh random
/// salt: `SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>` (base64),
/// exactly what PostgreSQL stores in `pg_authid.rolpassword`.
pub fn scram_verifier(password: &Secret) -> Result<String, Error> {
    scram::verifier(password.expose())
}

/// The `mysql_native_password` hash of `password` as MySQL and MariaDB
/// store it: `*` and the upper-case hex of SHA1(SHA1(password)).
pub fn mysql_native_hash(password: &Secret) -> String {
    mysql_db::native_hash(password.expose())
}

/// Refuses to create or clone over the admin account itself.
fn check_not_admin(instance: &Instance, account: &str) -> Result<(), Error> {
    if account == instance.admin_account {
        return Err(Error::InvalidAccountName(format!(
            "The account `{account}` is the instance's admin account; it cannot be created or \
             cloned over."
        )));
    }
    Ok(())
}

/// Forms of a password that could end up in a server's message: the
/// string-literal escapes (MySQL), the hashes.
fn derived_forms(password: &Secret) -> Vec<zeroize::Zeroizing<String>> {
    let p = password.expose();
    vec![
        zeroize::Zeroizing::new(mysql_db::escape_literal(p)),
        zeroize::Zeroizing::new(p.replace('\'', "''")),
        zeroize::Zeroizing::new(mysql_db::native_hash(p)),
        zeroize::Zeroizing::new(redis_db::acl_hash(p)),
    ]
}

/// The texts to scrub from an operation's errors.
fn secrets<'a>(
    instance: &'a Instance,
    password: &'a Secret,
    derived: &'a [zeroize::Zeroizing<String>],
) -> Vec<&'a str> {
    let mut v = vec![instance.admin_password.expose(), password.expose()];
    v.extend(derived.iter().map(|d| d.as_str()));
    v
}
