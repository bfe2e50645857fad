//! The account naming rule, checked before any account name is used.

use crate::{Engine, Error};

/// The shortest account name.
pub const MIN_NAME_LEN: usize = 2;
/// The longest account name (every engine).
pub const MAX_NAME_LEN: usize = 32;

/// Checks an account name against ApsaraDB's rule, the same for RDS,
/// PolarDB and Redis: 2 to 32 characters, lowercase letters, digits and
/// underscores only, starting with a letter. PostgreSQL also reserves
/// names starting with `pg_`. Nothing else is accepted (no quotes, spaces,
/// upper case or non-ASCII letters), so a name is inert in any statement;
/// it is quoted there all the same.
pub fn check_account_name(engine: Engine, name: &str) -> Result<(), Error> {
    let rule = "an account name is 2 to 32 characters long, made of lowercase letters, digits and \
                underscores, and starts with a lowercase letter";
    let shown = || {
        let s: String = name.chars().take(40).collect();
        format!("{s:?}")
    };
    let len = name.chars().count();
    if !(MIN_NAME_LEN..=MAX_NAME_LEN).contains(&len) {
        return Err(Error::InvalidAccountName(format!(
            "The account name {} is invalid: it has {len} characters, but {rule}.",
            shown()
        )));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(Error::InvalidAccountName(format!(
            "The account name {} is invalid: {rule}.",
            shown()
        )));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(Error::InvalidAccountName(format!(
            "The account name {} is invalid: it holds a character other than a lowercase letter, \
             a digit or an underscore; {rule}.",
            shown()
        )));
    }
    if engine == Engine::PostgreSql && name.starts_with("pg_") {
        return Err(Error::InvalidAccountName(format!(
            "The account name {} is invalid: PostgreSQL reserves names starting with `pg_`.",
            shown()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule() {
        for e in [
            Engine::PostgreSql,
            Engine::MySql,
            Engine::MariaDb,
            Engine::Redis,
        ] {
            for ok in ["ab", "app", "app_1", "a_", &"a".repeat(32), "app_clone"] {
                assert_eq!(check_account_name(e, ok), Ok(()), "{ok}");
            }
            for bad in [
                "",
                "a",
                &"a".repeat(33),
                "1app",
                "_app",
                "App",
                "app-1",
                "app 1",
                "a\"; DROP ROLE x; --",
                "' OR 1=1",
                "ünï",
                "a\0b",
                "a`b",
                "a'b",
                "a\nb",
            ] {
                let err = check_account_name(e, bad).unwrap_err();
                assert_eq!(err.code(), "InvalidParameter.AccountName", "{bad:?}");
                assert!(err.message().contains("2 to 32 characters"), "{err}");
            }
        }
        assert!(check_account_name(Engine::PostgreSql, "pg_x").is_err());
        assert!(check_account_name(Engine::MySql, "pg_x").is_ok());
        assert!(check_account_name(Engine::PostgreSql, "pgx").is_ok());
    }
}
