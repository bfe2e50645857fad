//! MySQL and MariaDB: the operations through the `mysql` driver.
//!
//! Which of the two the server is comes from its version string
//! (`…-MariaDB…`), not from the [`Engine`](crate::Engine) declared: an
//! instance declared MySQL that is really MariaDB is handled as MariaDB.

use std::collections::BTreeSet;

use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder};
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use crate::{deadline, Error, Instance, Privilege, Secret, CONNECT_TIMEOUT, STATEMENT_TIMEOUT};

/// Server error codes this module tells apart.
mod code {
    /// `ER_DBACCESS_DENIED_ERROR`.
    pub const DB_ACCESS_DENIED: u16 = 1044;
    /// `ER_ACCESS_DENIED_ERROR`: a wrong password when logging on; a
    /// missing global privilege in a statement (MariaDB's GRANT).
    pub const ACCESS_DENIED: u16 = 1045;
    /// `ER_ACCESS_DENIED_NO_PASSWORD_ERROR`.
    pub const ACCESS_DENIED_NO_PASSWORD: u16 = 1698;
    /// Privilege refusals in a statement: `ER_PASSWORD_NOT_ALLOWED`,
    /// `ER_TABLEACCESS_DENIED_ERROR`, `ER_COLUMNACCESS_DENIED_ERROR`,
    /// `ER_SPECIFIC_ACCESS_DENIED_ERROR`, `ER_PROCACCESS_DENIED_ERROR`,
    /// `ER_CANT_CREATE_USER_WITH_GRANT`, `ER_KILL_DENIED_ERROR`.
    pub const NO_PRIVILEGE: [u16; 7] = [1132, 1142, 1143, 1227, 1370, 1410, 1095];
    /// `ER_NONEXISTING_GRANT`: `SHOW GRANTS` for an unknown account.
    pub const NONEXISTING_GRANT: u16 = 1141;
    /// Timeouts: `ER_LOCK_WAIT_TIMEOUT`, MySQL's
    /// `ER_QUERY_TIMEOUT`, MariaDB's `ER_STATEMENT_TIMEOUT`.
    pub const TIMEOUT: [u16; 3] = [1205, 3024, 1969];
    /// Logged on, but the password has expired: `ER_MUST_CHANGE_PASSWORD`,
    /// `ER_MUST_CHANGE_PASSWORD_LOGIN`.
    pub const PASSWORD_EXPIRED: [u16; 2] = [1820, 1862];
    /// `ER_CON_COUNT_ERROR`, `ER_SERVER_SHUTDOWN`.
    pub const BUSY: [u16; 2] = [1040, 1053];
}

/// `*` and the upper-case hex of SHA1(SHA1(password)): the
/// `mysql_native_password` hash.
pub(crate) fn native_hash(password: &str) -> String {
    // SHA1(password) alone logs on (the protocol's scramble uses it): wiped.
    let mut inner = Zeroizing::new([0u8; 20]);
    inner.copy_from_slice(&Sha1::digest(password.as_bytes()));
    format!("*{}", hex::encode_upper(Sha1::digest(inner.as_slice())))
}

/// The inside of a single-quoted string literal for `s`, for a session
/// whose `sql_mode` lacks `NO_BACKSLASH_ESCAPES` (each session here sets
/// it so).
pub(crate) fn escape_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\0' => out.push_str("\\0"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\x1a' => out.push_str("\\Z"),
            c => out.push(c),
        }
    }
    out
}

/// `` `s` ``, a quoted identifier.
fn bt(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

/// `` `user`@`host` ``.
fn account(user: &str, host: &str) -> String {
    format!("{}@{}", bt(user), bt(host))
}

/// How `SHOW GRANTS` may print `user@host`: MariaDB and MySQL 8 with
/// backticks, MySQL 5.7 with single quotes.
fn printed_accounts(user: &str, host: &str) -> [String; 2] {
    [account(user, host), format!("'{user}'@'{host}'")]
}

/// An admin connection and what the server is.
struct Session {
    conn: Conn,
    mariadb: bool,
}

fn opts(instance: &Instance, user: &str, password: &Secret, admin: bool) -> OptsBuilder {
    let mut opts = OptsBuilder::new()
        .ip_or_hostname(Some(instance.host.clone()))
        .tcp_port(instance.port)
        .user(Some(user))
        .pass(Some(password.expose()))
        .db_name(None::<String>)
        .prefer_socket(false)
        .tcp_connect_timeout(Some(CONNECT_TIMEOUT))
        .read_timeout(Some(STATEMENT_TIMEOUT))
        .write_timeout(Some(STATEMENT_TIMEOUT))
        .stmt_cache_size(Some(0));
    if admin {
        opts = opts.init(vec![
            // No NO_BACKSLASH_ESCAPES: `escape_literal` relies on it.
            "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'",
            "SET SESSION lock_wait_timeout = 10",
            "SET NAMES utf8mb4",
        ]);
    }
    opts
}

fn describe(e: &mysql::Error) -> String {
    match e {
        mysql::Error::MySqlError(m) => format!("{} (error {})", m.message, m.code),
        other => other.to_string(),
    }
}

fn server_code(e: &mysql::Error) -> Option<u16> {
    match e {
        mysql::Error::MySqlError(m) => Some(m.code),
        _ => None,
    }
}

/// Classifies a failure to connect as admin.
fn admin_connect_error(e: mysql::Error) -> Error {
    let msg = describe(&e);
    match server_code(&e) {
        Some(code::ACCESS_DENIED | code::ACCESS_DENIED_NO_PASSWORD) => Error::AdminAuthFailed(msg),
        Some(code::DB_ACCESS_DENIED) => Error::NoPrivilege(msg),
        Some(c) if code::BUSY.contains(&c) => Error::Unreachable(msg),
        Some(_) => Error::Other(msg),
        None => Error::Unreachable(msg),
    }
}

/// Classifies a failed statement.
fn stmt_error(e: mysql::Error) -> Error {
    let msg = describe(&e);
    match server_code(&e) {
        Some(code::DB_ACCESS_DENIED | code::ACCESS_DENIED) => Error::NoPrivilege(msg),
        Some(c) if code::NO_PRIVILEGE.contains(&c) => Error::NoPrivilege(msg),
        Some(c) if code::TIMEOUT.contains(&c) => Error::Unreachable(format!("timed out: {msg}")),
        Some(_) => Error::Other(msg),
        None => match e {
            mysql::Error::IoError(_)
            | mysql::Error::CodecError(_)
            | mysql::Error::DriverError(_) => Error::Unreachable(msg),
            _ => Error::Other(msg),
        },
    }
}

/// Connects within [`CONNECT_TIMEOUT`], the server's handshake included
/// (the driver's read timeout is the statements' longer one): the driver's
/// own result, or our timeout.
fn connect(
    instance: &Instance,
    user: &str,
    password: &Secret,
    admin: bool,
) -> Result<Result<Conn, mysql::Error>, Error> {
    let opts = opts(instance, user, password, admin);
    deadline::run(
        CONNECT_TIMEOUT + std::time::Duration::from_secs(1),
        "connecting to MySQL",
        move || Ok(Conn::new(opts)),
    )
}

fn admin(instance: &Instance) -> Result<Session, Error> {
    let mut conn = connect(
        instance,
        &instance.admin_account,
        &instance.admin_password,
        true,
    )?
    .map_err(admin_connect_error)?;
    let version: Option<String> = conn.query_first("SELECT VERSION()").map_err(stmt_error)?;
    let mariadb = version.is_some_and(|v| v.contains("MariaDB"));
    Ok(Session { conn, mariadb })
}

/// The `(Host, plugin)` rows of user name `user` (MariaDB's roles left
/// out).
fn hosts(s: &mut Session, user: &str) -> Result<Vec<(String, String)>, Error> {
    let sql = if s.mariadb {
        "SELECT Host, plugin FROM mysql.user WHERE User = ? AND is_role <> 'Y' ORDER BY Host"
    } else {
        "SELECT Host, plugin FROM mysql.user WHERE User = ? ORDER BY Host"
    };
    s.conn.exec(sql, (user,)).map_err(stmt_error)
}

/// `<verb> `user`@`host` IDENTIFIED …` setting `password`; `plugin` is the
/// account's authentication plugin (empty: not known). See the crate's
/// docs for the forms.
fn password_statement(
    verb: &str,
    mariadb: bool,
    user: &str,
    host: &str,
    plugin: &str,
    password: &Secret,
) -> Zeroizing<String> {
    let who = account(user, host);
    Zeroizing::new(if mariadb {
        format!(
            "{verb} {who} IDENTIFIED BY PASSWORD '{}'",
            native_hash(password.expose())
        )
    } else if plugin == "mysql_native_password" {
        format!(
            "{verb} {who} IDENTIFIED WITH mysql_native_password AS '{}'",
            native_hash(password.expose())
        )
    } else {
        format!(
            "{verb} {who} IDENTIFIED BY '{}'",
            Zeroizing::new(escape_literal(password.expose())).as_str()
        )
    })
}

/// Runs a statement made by [`password_statement`]. On failure the
/// server's message is left out (a syntax error quotes the statement from
/// where it failed, perhaps a cut piece of the password, which scrubbing
/// the whole password would miss): only its code is kept.
fn run_password_statement(s: &mut Session, stmt: &str) -> Result<(), Error> {
    s.conn.query_drop(stmt).map_err(|e| {
        let verb: String = stmt
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        let redacted = match &e {
            mysql::Error::MySqlError(m) => {
                format!("{verb} failed with error {} (SQLSTATE {})", m.code, m.state)
            }
            _ => format!("{verb} failed: the connection was lost"),
        };
        match stmt_error(e) {
            Error::NoPrivilege(_) => Error::NoPrivilege(redacted),
            Error::Unreachable(_) => Error::Unreachable(redacted),
            _ => Error::Other(redacted),
        }
    })
}

/// See [`crate::probe`].
pub(crate) fn probe(instance: &Instance) -> Result<String, Error> {
    let mut s = admin(instance)?;
    let v: Option<String> = s.conn.query_first("SELECT VERSION()").map_err(stmt_error)?;
    v.ok_or_else(|| Error::Other("the server gave no version".into()))
}

/// See [`crate::account_exists`].
pub(crate) fn account_exists(instance: &Instance, user: &str) -> Result<bool, Error> {
    let mut s = admin(instance)?;
    Ok(!hosts(&mut s, user)?.is_empty())
}

/// See [`crate::set_password`].
pub(crate) fn set_password(
    instance: &Instance,
    user: &str,
    password: &Secret,
) -> Result<(), Error> {
    let mut s = admin(instance)?;
    let rows = hosts(&mut s, user)?;
    if rows.is_empty() {
        return Err(Error::NoSuchAccount(user.to_string()));
    }
    for (host, plugin) in rows {
        let stmt = password_statement("ALTER USER", s.mariadb, user, &host, &plugin, password);
        run_password_statement(&mut s, &stmt)?;
    }
    Ok(())
}

/// The byte offset of `needle` in `s` outside backtick- and
/// quote-delimited parts, searching from the start.
fn find_unquoted(s: &str, needle: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) => {
                if c == '\\' && q != '`' {
                    chars.next();
                } else if c == q {
                    quote = None;
                }
            }
            None => {
                if s[i..].starts_with(needle) {
                    return Some(i);
                }
                if c == '`' || c == '\'' || c == '"' {
                    quote = Some(c);
                }
            }
        }
    }
    None
}

/// A `SHOW GRANTS` tail after the grantee, without an `IDENTIFIED …` part
/// (`IDENTIFIED BY PASSWORD '…'`, `IDENTIFIED VIA plugin USING '…' OR …`).
fn strip_identified(tail: &str) -> &str {
    if !tail.starts_with(" IDENTIFIED ") {
        return tail;
    }
    let cut = [" REQUIRE ", " WITH "]
        .iter()
        .filter_map(|k| find_unquoted(tail, k))
        .min();
    match cut {
        Some(i) => &tail[i..],
        None => "",
    }
}

/// Splits a `SHOW GRANTS` line `GRANT … TO <from> …` into what precedes
/// ` TO <from>` and what follows it (its `IDENTIFIED` part dropped).
fn split_grant<'a>(line: &'a str, from: &[String]) -> Option<(&'a str, &'a str)> {
    if !line.starts_with("GRANT ") {
        return None;
    }
    from.iter().find_map(|f| {
        let needle = format!(" TO {f}");
        line.rfind(&needle)
            .map(|pos| (&line[..pos], strip_identified(&line[pos + needle.len()..])))
    })
}

/// A `SHOW GRANTS` line of `from` restated for `to`; `None` for a line of
/// another shape.
fn rewrite_grant(line: &str, from: &[String], to: &str) -> Option<String> {
    if let Some((head, tail)) = split_grant(line, from) {
        return Some(format!("{head} TO {to}{tail}"));
    }
    if line.starts_with("SET DEFAULT ROLE ") {
        return from.iter().find_map(|f| {
            line.strip_suffix(&format!(" FOR {f}"))
                .map(|head| format!("{head} FOR {to}"))
        });
    }
    None
}

/// For a `SHOW GRANTS` line of `from` that `REVOKE ALL PRIVILEGES` does
/// not cover (a role grant, a proxy grant), the `REVOKE` undoing it.
fn revoke_for(line: &str, from: &[String], to: &str) -> Option<String> {
    let (head, _) = split_grant(line, from)?;
    let what = head.strip_prefix("GRANT ")?;
    if what.starts_with("PROXY ON ") || find_unquoted(what, " ON ").is_none() {
        Some(format!("REVOKE {what} FROM {to}"))
    } else {
        None
    }
}

fn show_grants(s: &mut Session, user: &str, host: &str) -> Result<Vec<String>, Error> {
    s.conn
        .query(format!("SHOW GRANTS FOR {}", account(user, host)))
        .map_err(|e| match server_code(&e) {
            Some(code::NONEXISTING_GRANT) => Error::NoSuchAccount(user.to_string()),
            _ => stmt_error(e),
        })
}

/// `SHOW GRANTS` of `user@host` with the grantee replaced by a
/// placeholder: what two accounts with equal privileges share.
fn normalised_grants(s: &mut Session, user: &str, host: &str) -> Result<BTreeSet<String>, Error> {
    let from = printed_accounts(user, host);
    Ok(show_grants(s, user, host)?
        .iter()
        .map(|l| rewrite_grant(l, &from, "<grantee>").unwrap_or_else(|| l.clone()))
        .collect())
}

/// See [`crate::clone_account`].
pub(crate) fn clone_account(
    instance: &Instance,
    source: &str,
    clone: &str,
    password: &Secret,
) -> Result<(), Error> {
    let mut s = admin(instance)?;
    let src_rows = hosts(&mut s, source)?;
    if src_rows.is_empty() {
        return Err(Error::NoSuchAccount(source.to_string()));
    }
    let clone_rows = hosts(&mut s, clone)?;
    for (host, _) in &clone_rows {
        if !src_rows.iter().any(|(h, _)| h == host) {
            s.conn
                .query_drop(format!("DROP USER {}", account(clone, host)))
                .map_err(stmt_error)?;
        }
    }
    for (host, src_plugin) in &src_rows {
        let to = account(clone, host);
        let to_forms = printed_accounts(clone, host);
        if let Some((_, plugin)) = clone_rows.iter().find(|(h, _)| h == host) {
            let stmt = password_statement("ALTER USER", s.mariadb, clone, host, plugin, password);
            run_password_statement(&mut s, &stmt)?;
            s.conn
                .query_drop(format!("REVOKE ALL PRIVILEGES, GRANT OPTION FROM {to}"))
                .map_err(stmt_error)?;
            for line in show_grants(&mut s, clone, host)? {
                if let Some(revoke) = revoke_for(&line, &to_forms, &to) {
                    s.conn.query_drop(revoke).map_err(stmt_error)?;
                }
            }
            if s.mariadb {
                s.conn
                    .query_drop(format!("SET DEFAULT ROLE NONE FOR {to}"))
                    .map_err(stmt_error)?;
            }
        } else {
            let stmt =
                password_statement("CREATE USER", s.mariadb, clone, host, src_plugin, password);
            run_password_statement(&mut s, &stmt)?;
        }
        let from = printed_accounts(source, host);
        for line in show_grants(&mut s, source, host)? {
            let Some(replay) = rewrite_grant(&line, &from, &to) else {
                let first: String = line
                    .split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ");
                return Err(Error::Other(format!(
                    "cannot replay a grant of `{source}` that starts with `{first}`"
                )));
            };
            s.conn.query_drop(replay).map_err(stmt_error)?;
        }
        let want = normalised_grants(&mut s, source, host)?;
        let have = normalised_grants(&mut s, clone, host)?;
        if want != have {
            return Err(Error::Other(format!(
                "the grants of `{clone}`@`{host}` still differ from those of `{source}` after \
                 replaying them"
            )));
        }
    }
    Ok(())
}

/// `db` as a database-level GRANT target: `_` and `%` escaped, so that
/// they are not wildcards.
fn grant_database(db: &str) -> String {
    bt(&db
        .replace('\\', "\\\\")
        .replace('_', "\\_")
        .replace('%', "\\%"))
}

/// See [`crate::create_account`].
pub(crate) fn create_account(
    instance: &Instance,
    user: &str,
    password: &Secret,
    privilege: Privilege,
) -> Result<(), Error> {
    let mut s = admin(instance)?;
    let mut rows = hosts(&mut s, user)?;
    if rows.is_empty() {
        let stmt = password_statement("CREATE USER", s.mariadb, user, "%", "", password);
        run_password_statement(&mut s, &stmt)?;
        rows.push(("%".to_string(), String::new()));
    } else {
        for (host, plugin) in &rows {
            let stmt = password_statement("ALTER USER", s.mariadb, user, host, plugin, password);
            run_password_statement(&mut s, &stmt)?;
        }
    }
    if let Some(db) = &instance.database {
        let privileges = match privilege {
            Privilege::ReadWrite => "ALL PRIVILEGES",
            Privilege::ReadOnly => "SELECT, SHOW VIEW",
        };
        for (host, _) in &rows {
            s.conn
                .query_drop(format!(
                    "GRANT {privileges} ON {}.* TO {}",
                    grant_database(db),
                    account(user, host)
                ))
                .map_err(stmt_error)?;
        }
    }
    Ok(())
}

/// See [`crate::check_login`].
pub(crate) fn check_login(
    instance: &Instance,
    user: &str,
    password: &Secret,
) -> Result<bool, Error> {
    match connect(instance, user, password, false)? {
        Ok(mut conn) => match conn.query_drop("SELECT 1") {
            Ok(()) => Ok(true),
            Err(e) if server_code(&e).is_some_and(|c| code::PASSWORD_EXPIRED.contains(&c)) => {
                Ok(true)
            }
            Err(e) => Err(stmt_error(e)),
        },
        Err(e) => match server_code(&e) {
            Some(code::ACCESS_DENIED | code::ACCESS_DENIED_NO_PASSWORD) => Ok(false),
            Some(c) if code::PASSWORD_EXPIRED.contains(&c) => Ok(true),
            _ => Err(match admin_connect_error(e) {
                Error::AdminAuthFailed(m) => Error::Other(m),
                other => other,
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_hash_known_answer() {
        // SELECT PASSWORD('password') on MySQL 5.7 / MariaDB.
        assert_eq!(
            native_hash("password"),
            "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"
        );
    }

    #[test]
    fn password_statements() {
        let p = Secret::new("it's a \\ secret");
        let m = password_statement("ALTER USER", true, "app", "%", "", &p);
        assert!(m.starts_with("ALTER USER `app`@`%` IDENTIFIED BY PASSWORD '*"));
        assert!(!m.contains("secret"));
        let n = password_statement(
            "ALTER USER",
            false,
            "app",
            "10.%",
            "mysql_native_password",
            &p,
        );
        assert!(
            n.starts_with("ALTER USER `app`@`10.%` IDENTIFIED WITH mysql_native_password AS '*")
        );
        let c = password_statement(
            "CREATE USER",
            false,
            "app",
            "%",
            "caching_sha2_password",
            &p,
        );
        assert_eq!(
            c.as_str(),
            "CREATE USER `app`@`%` IDENTIFIED BY 'it\\'s a \\\\ secret'"
        );
    }

    #[test]
    fn grants_are_restated() {
        let from = printed_accounts("app", "%");
        let to = account("app_clone", "%");
        let r = |l: &str| rewrite_grant(l, &from, &to);
        assert_eq!(
            r("GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*ABC'").as_deref(),
            Some("GRANT USAGE ON *.* TO `app_clone`@`%`")
        );
        assert_eq!(
            r("GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED VIA ed25519 USING 'x WITH y' REQUIRE SSL WITH MAX_QUERIES_PER_HOUR 5").as_deref(),
            Some("GRANT USAGE ON *.* TO `app_clone`@`%` REQUIRE SSL WITH MAX_QUERIES_PER_HOUR 5")
        );
        assert_eq!(
            r("GRANT SELECT, INSERT ON `d`.`t TO x` TO `app`@`%` WITH GRANT OPTION").as_deref(),
            Some("GRANT SELECT, INSERT ON `d`.`t TO x` TO `app_clone`@`%` WITH GRANT OPTION")
        );
        assert_eq!(
            r("GRANT 'r1'@'%' TO 'app'@'%'").as_deref(),
            Some("GRANT 'r1'@'%' TO `app_clone`@`%`")
        );
        assert_eq!(
            r("SET DEFAULT ROLE `r1` FOR `app`@`%`").as_deref(),
            Some("SET DEFAULT ROLE `r1` FOR `app_clone`@`%`")
        );
        assert_eq!(r("GRANT SELECT ON *.* TO `other`@`%`"), None);
        assert_eq!(r("CREATE USER x"), None);
    }

    #[test]
    fn revokes_for_roles_and_proxies() {
        let from = printed_accounts("c", "%");
        let to = account("c", "%");
        assert_eq!(
            revoke_for("GRANT `r1`,`r2` TO `c`@`%` WITH ADMIN OPTION", &from, &to).as_deref(),
            Some("REVOKE `r1`,`r2` FROM `c`@`%`")
        );
        assert_eq!(
            revoke_for("GRANT PROXY ON ''@'%' TO `c`@`%`", &from, &to).as_deref(),
            Some("REVOKE PROXY ON ''@'%' FROM `c`@`%`")
        );
        assert_eq!(
            revoke_for("GRANT `role ON x` TO `c`@`%`", &from, &to).as_deref(),
            Some("REVOKE `role ON x` FROM `c`@`%`")
        );
        assert_eq!(
            revoke_for("GRANT SELECT ON `d`.* TO `c`@`%`", &from, &to),
            None
        );
    }

    #[test]
    fn literals_and_identifiers() {
        assert_eq!(escape_literal("a'b\\c\0"), "a\\'b\\\\c\\0");
        assert_eq!(bt("a`b"), "`a``b`");
        assert_eq!(grant_database("my_db%"), "`my\\_db\\%`");
    }
}
