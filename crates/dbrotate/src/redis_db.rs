//! Redis (6 or later, ACL users): the operations through the `redis`
//! driver's synchronous API.
//!
//! Passwords are set as `#<sha256 hex>` rules, so the plaintext never
//! reaches the server except in `AUTH` when logging on.

use redis::{
    Connection, ConnectionAddr, IntoConnectionInfo, RedisConnectionInfo, RedisError, Value,
};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::{Error, Instance, Privilege, Secret, CONNECT_TIMEOUT, STATEMENT_TIMEOUT};

/// The lowercase hex SHA-256 of `password`: what `ACL SETUSER … #<hash>`
/// takes and `ACL GETUSER` shows.
pub(crate) fn acl_hash(password: &str) -> String {
    hex::encode(Sha256::digest(password.as_bytes()))
}

fn describe(e: &RedisError) -> String {
    match (e.code(), e.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        _ => e.to_string(),
    }
}

/// Classifies a failed command.
fn cmd_error(e: RedisError) -> Error {
    let msg = describe(&e);
    match e.code() {
        Some("NOPERM") => Error::NoPrivilege(msg),
        Some("NOAUTH" | "WRONGPASS") => Error::AdminAuthFailed(msg),
        _ if e.is_io_error()
            || e.is_timeout()
            || e.is_connection_dropped()
            || e.is_connection_refusal() =>
        {
            Error::Unreachable(msg)
        }
        _ => Error::Other(msg),
    }
}

/// A connection that has not logged on, with read and write timeouts.
fn connect(instance: &Instance) -> Result<Connection, Error> {
    let info = ConnectionAddr::Tcp(instance.host.clone(), instance.port)
        .into_connection_info()
        .map_err(|e| Error::Other(describe(&e)))?
        // Nothing is sent before our own AUTH.
        .set_redis_settings(RedisConnectionInfo::default().set_skip_set_lib_name());
    let client = redis::Client::open(info).map_err(|e| Error::Other(describe(&e)))?;
    let con = client
        .get_connection_with_timeout(CONNECT_TIMEOUT)
        .map_err(|e| Error::Unreachable(describe(&e)))?;
    timeouts(&con, CONNECT_TIMEOUT)?;
    Ok(con)
}

/// Sets the read and write timeouts: [`CONNECT_TIMEOUT`] until logged on,
/// [`STATEMENT_TIMEOUT`] after.
fn timeouts(con: &Connection, limit: std::time::Duration) -> Result<(), Error> {
    con.set_read_timeout(Some(limit))
        .map_err(|e| Error::Other(describe(&e)))?;
    con.set_write_timeout(Some(limit))
        .map_err(|e| Error::Other(describe(&e)))
}

/// The answer to an `AUTH`.
enum Auth {
    Accepted,
    Refused,
    /// The server does not take this form of `AUTH` (a syntax error).
    Unsupported,
}

fn auth(con: &mut Connection, user: Option<&str>, password: &str) -> Result<Auth, Error> {
    let mut cmd = redis::cmd("AUTH");
    if let Some(user) = user {
        cmd.arg(user);
    }
    cmd.arg(password);
    match cmd.query::<()>(con) {
        Ok(()) => Ok(Auth::Accepted),
        Err(e) if e.code() == Some("WRONGPASS") => Ok(Auth::Refused),
        Err(e) if e.code() == Some("ERR") => {
            let detail = e.detail().unwrap_or_default().to_ascii_lowercase();
            if detail.contains("invalid password") || detail.contains("invalid username") {
                Ok(Auth::Refused)
            } else if detail.contains("wrong number of arguments") || detail.contains("syntax") {
                Ok(Auth::Unsupported)
            } else {
                Err(cmd_error(e))
            }
        }
        Err(e) => Err(cmd_error(e)),
    }
}

/// A connection logged on as the admin account.
fn admin(instance: &Instance) -> Result<Connection, Error> {
    let mut con = connect(instance)?;
    if instance.admin_password.is_empty() {
        // Nothing sent yet: a PING is the server's handshake.
        redis::cmd("PING")
            .query::<String>(&mut con)
            .map_err(cmd_error)?;
        timeouts(&con, STATEMENT_TIMEOUT)?;
        return Ok(con);
    }
    let user = Some(instance.admin_account.as_str()).filter(|u| !u.is_empty());
    match auth(&mut con, user, instance.admin_password.expose())? {
        Auth::Accepted => {
            timeouts(&con, STATEMENT_TIMEOUT)?;
            Ok(con)
        }
        Auth::Refused => Err(Error::AdminAuthFailed(
            "WRONGPASS invalid username-password pair or user is disabled".into(),
        )),
        Auth::Unsupported => Err(Error::Unsupported(
            "the server does not take AUTH <user> <password>: it has no ACL users (Redis 6 or \
             later is needed)"
                .into(),
        )),
    }
}

/// See [`crate::probe`].
pub(crate) fn probe(instance: &Instance) -> Result<String, Error> {
    let mut con = admin(instance)?;
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query(&mut con)
        .map_err(cmd_error)?;
    info.lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .map(|v| format!("Redis {}", v.trim()))
        .ok_or_else(|| Error::Other("INFO server gave no redis_version".into()))
}

fn exists(con: &mut Connection, user: &str) -> Result<bool, Error> {
    let v: Value = redis::cmd("ACL")
        .arg("GETUSER")
        .arg(user)
        .query(con)
        .map_err(cmd_error)?;
    Ok(!matches!(v, Value::Nil))
}

/// See [`crate::account_exists`].
pub(crate) fn account_exists(instance: &Instance, user: &str) -> Result<bool, Error> {
    exists(&mut admin(instance)?, user)
}

/// `#<hash>` for `password`.
fn hash_rule(password: &Secret) -> Zeroizing<String> {
    Zeroizing::new(format!("#{}", acl_hash(password.expose())))
}

/// See [`crate::set_password`].
pub(crate) fn set_password(
    instance: &Instance,
    user: &str,
    password: &Secret,
) -> Result<(), Error> {
    let mut con = admin(instance)?;
    if !exists(&mut con, user)? {
        return Err(Error::NoSuchAccount(user.to_string()));
    }
    redis::cmd("ACL")
        .arg("SETUSER")
        .arg(user)
        .arg("resetpass")
        .arg(hash_rule(password).as_str())
        .query::<()>(&mut con)
        .map_err(cmd_error)
}

/// The rules of `user` as `ACL LIST` prints them, one element per
/// argument of `ACL SETUSER` (a selector `(…)` is one), without its
/// passwords and its `on`/`off`/`nopass` flags; `None` if there is no such
/// user.
fn rules(con: &mut Connection, user: &str) -> Result<Option<Vec<String>>, Error> {
    let lines: Vec<String> = redis::cmd("ACL")
        .arg("LIST")
        .query(con)
        .map_err(cmd_error)?;
    let prefix = format!("user {user} ");
    Ok(lines
        .iter()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(parse_rules))
}

fn parse_rules(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut selector: Option<String> = None;
    for token in line.split(' ').filter(|t| !t.is_empty()) {
        if let Some(s) = selector.as_mut() {
            s.push(' ');
            s.push_str(token);
            if token.ends_with(')') {
                out.extend(selector.take());
            }
        } else if token.starts_with('(') && !token.ends_with(')') {
            selector = Some(token.to_string());
        } else {
            out.push(token.to_string());
        }
    }
    out.extend(selector);
    out.retain(|r| {
        !matches!(r.as_str(), "on" | "off" | "nopass" | "resetpass")
            && !r.starts_with(['#', '>', '<', '!'])
    });
    out
}

/// See [`crate::clone_account`].
pub(crate) fn clone_account(
    instance: &Instance,
    source: &str,
    clone: &str,
    password: &Secret,
) -> Result<(), Error> {
    let mut con = admin(instance)?;
    let Some(source_rules) = rules(&mut con, source)? else {
        return Err(Error::NoSuchAccount(source.to_string()));
    };
    // A new user starts with no rights and no flags, so the source's
    // rules make it equal. `reset` would not: it sets `sanitize-payload`,
    // which only deleting the user takes away.
    let mut setuser = redis::cmd("ACL");
    setuser.arg("SETUSER").arg(clone);
    for r in &source_rules {
        setuser.arg(r.as_str());
    }
    setuser.arg("on").arg(hash_rule(password).as_str());
    if exists(&mut con, clone)? {
        let mut deluser = redis::cmd("ACL");
        deluser.arg("DELUSER").arg(clone);
        redis::pipe()
            .atomic()
            .add_command(deluser)
            .ignore()
            .add_command(setuser)
            .ignore()
            .query::<()>(&mut con)
            .map_err(cmd_error)?;
    } else {
        setuser.query::<()>(&mut con).map_err(cmd_error)?;
    }
    if rules(&mut con, clone)?.as_ref() != Some(&source_rules) {
        return Err(Error::Other(format!(
            "the ACL rules of `{clone}` still differ from those of `{source}`"
        )));
    }
    Ok(())
}

/// See [`crate::create_account`].
pub(crate) fn create_account(
    instance: &Instance,
    user: &str,
    password: &Secret,
    privilege: Privilege,
) -> Result<(), Error> {
    let mut con = admin(instance)?;
    let commands: &[&str] = match privilege {
        Privilege::ReadWrite => &["+@all", "-@dangerous"],
        Privilege::ReadOnly => &["-@all", "+@read", "+@connection", "-@dangerous"],
    };
    let mut cmd = redis::cmd("ACL");
    cmd.arg("SETUSER")
        .arg(user)
        .arg("reset")
        .arg("on")
        .arg(hash_rule(password).as_str())
        .arg("~*")
        .arg("&*");
    for c in commands {
        cmd.arg(*c);
    }
    cmd.query::<()>(&mut con).map_err(cmd_error)
}

/// See [`crate::check_login`].
pub(crate) fn check_login(
    instance: &Instance,
    user: &str,
    password: &Secret,
) -> Result<bool, Error> {
    let mut con = connect(instance)?;
    let accepted = match auth(&mut con, Some(user), password.expose())? {
        Auth::Accepted => true,
        Auth::Refused => false,
        Auth::Unsupported => {
            // Alibaba Cloud's one-string form, `AUTH user:password`.
            let joined = Zeroizing::new(format!("{user}:{}", password.expose()));
            match auth(&mut con, None, &joined)? {
                Auth::Accepted => true,
                Auth::Refused => false,
                Auth::Unsupported => {
                    return Err(Error::Other("the server does not take AUTH".into()))
                }
            }
        }
    };
    if accepted {
        timeouts(&con, STATEMENT_TIMEOUT)?;
        // An account without `+ping` has still logged on.
        match redis::cmd("PING").query::<String>(&mut con) {
            Ok(_) => {}
            Err(e) if e.code() == Some("NOPERM") => {}
            Err(e) => {
                return Err(match cmd_error(e) {
                    Error::AdminAuthFailed(m) => Error::Other(m),
                    other => other,
                })
            }
        }
    }
    Ok(accepted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_parsed() {
        assert_eq!(
            parse_rules("on sanitize-payload #abc >x ~* resetchannels &ch* -@all +get (~k* +set) (%R~r* resetchannels -@all +get)"),
            vec![
                "sanitize-payload",
                "~*",
                "resetchannels",
                "&ch*",
                "-@all",
                "+get",
                "(~k* +set)",
                "(%R~r* resetchannels -@all +get)"
            ]
        );
        assert_eq!(
            parse_rules("off nopass ~* &* +@all"),
            vec!["~*", "&*", "+@all"]
        );
    }

    #[test]
    fn hash() {
        assert_eq!(
            acl_hash("foobar"),
            "c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2"
        );
    }
}
