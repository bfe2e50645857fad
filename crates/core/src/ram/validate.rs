//! Parameter rules of RAM names and fields, with RAM's error codes.

use crate::ApiError;

pub(crate) fn check(
    param: &str,
    value: &str,
    min: usize,
    max: usize,
    allowed: impl Fn(char) -> bool,
    what: &str,
) -> Result<(), ApiError> {
    let len = value.chars().count();
    if len < min || len > max {
        return Err(ApiError::dynamic(
            400,
            format!("InvalidParameter.{param}.Length"),
            format!("The parameter - \"{param}\" beyond the length limit: it must be {min} to {max} characters, got {len}."),
        ));
    }
    if let Some(bad) = value.chars().find(|c| !allowed(*c)) {
        return Err(ApiError::dynamic(
            400,
            format!("InvalidParameter.{param}.InvalidChars"),
            format!("The parameter - \"{param}\" contains invalid chars: `{bad}` is not allowed; use {what}."),
        ));
    }
    Ok(())
}

/// Whether XML 1.0 can carry `c`: tab, line feed, carriage return, and
/// everything from U+0020 but the noncharacters U+FFFE and U+FFFF. Free
/// text that is kept and shown back holds only such characters.
pub fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
}

/// A user name: 1–64 of `[A-Za-z0-9._-]`.
pub fn user_name(param: &str, v: &str) -> Result<(), ApiError> {
    check(
        param,
        v,
        1,
        64,
        |c| c.is_ascii_alphanumeric() || "._-".contains(c),
        "letters, digits, `.`, `_` and `-`",
    )
}

/// A group name: 1–64 of `[A-Za-z0-9._-]`.
pub fn group_name(param: &str, v: &str) -> Result<(), ApiError> {
    check(
        param,
        v,
        1,
        64,
        |c| c.is_ascii_alphanumeric() || "._-".contains(c),
        "letters, digits, `.`, `_` and `-`",
    )
}

/// A display name: 1–128 printable characters.
pub fn display_name(param: &str, v: &str) -> Result<(), ApiError> {
    check(
        param,
        v,
        1,
        128,
        |c| !c.is_control(),
        "printable characters",
    )
}

/// Free text (`Comments`): 0–128 characters.
pub fn comments(param: &str, v: &str) -> Result<(), ApiError> {
    check(
        param,
        v,
        0,
        128,
        |c| !c.is_control() || c == '\n',
        "printable characters",
    )
}

/// Email: `local@domain`, at most 128 characters.
pub fn email(param: &str, v: &str) -> Result<(), ApiError> {
    check(
        param,
        v,
        0,
        128,
        |c| !c.is_control() && !c.is_whitespace(),
        "an email address",
    )?;
    if !v.is_empty()
        && !matches!(v.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.'))
    {
        return Err(ApiError::dynamic(
            400,
            format!("InvalidParameter.{param}.Format"),
            format!("The parameter - \"{param}\" is not an email address like `name@example.com`."),
        ));
    }
    Ok(())
}

/// Mobile phone: `<country code>-<number>`, e.g. `86-18600008888`.
pub fn mobile_phone(param: &str, v: &str) -> Result<(), ApiError> {
    check(
        param,
        v,
        0,
        32,
        |c| c.is_ascii_digit() || c == '-',
        "digits as `86-18600008888`",
    )?;
    if !v.is_empty()
        && !matches!(v.split_once('-'), Some((cc, n)) if !cc.is_empty() && !n.is_empty())
    {
        return Err(ApiError::dynamic(
            400,
            format!("InvalidParameter.{param}.Format"),
            format!("The parameter - \"{param}\" must look like `86-18600008888` (country code, `-`, number)."),
        ));
    }
    Ok(())
}

/// A console password: 8–32 printable ASCII characters (RAM's default policy).
pub fn password(v: &str) -> Result<(), ApiError> {
    let len = v.chars().count();
    if !(8..=32).contains(&len) || !v.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::of(crate::codes::INVALID_PARAMETER_PASSWORD,
            "The password does not meet the password policy: it must be 8 to 32 printable ASCII characters without spaces.",
        ));
    }
    Ok(())
}

/// Paging: `MaxItems` 1–1000 (default 100).
pub fn max_items(v: Option<u32>) -> Result<u32, ApiError> {
    match v {
        None => Ok(100),
        Some(n) if (1..=1000).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::invalid(
            "MaxItems",
            format!("The parameter - \"MaxItems\" must be between 1 and 1000, got {n}."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(user_name("UserName", "alice.b-c_1").is_ok());
        assert_eq!(
            user_name("UserName", "a b").unwrap_err().code,
            "InvalidParameter.UserName.InvalidChars"
        );
        assert_eq!(
            user_name("UserName", "").unwrap_err().code,
            "InvalidParameter.UserName.Length"
        );
        assert_eq!(
            user_name("UserName", &"a".repeat(65)).unwrap_err().code,
            "InvalidParameter.UserName.Length"
        );
        assert!(email("Email", "a@b.com").is_ok());
        assert!(email("Email", "ab.com").is_err());
        assert!(mobile_phone("MobilePhone", "86-1860000").is_ok());
        assert!(mobile_phone("MobilePhone", "1860000").is_err());
        assert!(password("short").is_err());
        assert!(password("Long-enough1").is_ok());
        assert_eq!(max_items(None).unwrap(), 100);
        assert!(max_items(Some(0)).is_err());
    }
}
