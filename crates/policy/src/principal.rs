//! The `Principal` element of trust and resource policies, and the callers it matches.

use crate::json::Json;
use crate::pattern::Pattern;

/// Who is making a request, as trust and resource policies see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller<'a> {
    /// The account owner (root AccessKey).
    Account {
        /// The 16-digit account id.
        account_id: &'a str,
    },
    /// A RAM user.
    User {
        /// The user's account id.
        account_id: &'a str,
        /// The user name.
        user_name: &'a str,
    },
    /// A role session (STS credentials).
    AssumedRole {
        /// The role's account id.
        account_id: &'a str,
        /// The role name.
        role_name: &'a str,
        /// The `RoleSessionName`.
        session: &'a str,
    },
    /// A cloud service acting on its own, like `kms.aliyuncs.com`.
    Service {
        /// The service principal name.
        name: &'a str,
    },
    /// An identity federated through a SAML or OIDC provider.
    Federated {
        /// The provider ARN, `acs:ram::<uid>:saml-provider/<name>`.
        provider_arn: &'a str,
    },
}

/// A compiled `Principal` element.
#[derive(Clone, Debug)]
pub struct Principal {
    entries: Vec<Entry>,
}

#[derive(Clone, Debug)]
enum Entry {
    /// `"Principal": "*"`: anyone, services included.
    Anyone,
    /// `{"RAM": ...}`.
    Ram(Ram),
    /// `{"Service": ...}`, matched case-insensitively.
    Service(Pattern),
    /// `{"Federated": ...}`.
    Federated(Pattern),
}

#[derive(Clone, Debug)]
enum Ram {
    /// `"*"`: any RAM identity of any account.
    Any,
    /// `acs:ram::<uid>:root` or `<uid>`: the account and every user and role session in it.
    Account(Pattern),
    /// `acs:ram::<uid>:user/<name>`.
    User(Pattern, Pattern),
    /// `acs:ram::<uid>:role/<name>`: sessions of that role.
    Role(Pattern, Pattern),
    /// `acs:ram::<uid>:assumed-role/<role>/<session>`.
    AssumedRole(Pattern, Pattern, Pattern),
}

impl Principal {
    /// Whether `caller` is one of the principals.
    pub fn matches(&self, caller: &Caller<'_>) -> bool {
        self.entries.iter().any(|e| entry_matches(e, caller))
    }

    /// Whether an entry names `caller` itself, not only as a member of a
    /// whole account (`"*"`, `{"RAM": "*"}`, an account id, `…:root`,
    /// `…:<uid>:*`): a user, a role, a role session, a service or a
    /// federated provider.
    pub fn names_specifically(&self, caller: &Caller<'_>) -> bool {
        self.entries
            .iter()
            .filter(|e| !matches!(e, Entry::Anyone | Entry::Ram(Ram::Any | Ram::Account(_))))
            .any(|e| entry_matches(e, caller))
    }

    /// The account ids of the `RAM` entries, as written (`*` for any).
    pub fn accounts(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Ram(Ram::Any) => Some("*"),
            Entry::Ram(
                Ram::Account(uid)
                | Ram::User(uid, _)
                | Ram::Role(uid, _)
                | Ram::AssumedRole(uid, _, _),
            ) => Some(uid.as_str()),
            _ => None,
        })
    }
}

fn entry_matches(entry: &Entry, caller: &Caller<'_>) -> bool {
    match (entry, *caller) {
        (Entry::Anyone, _) => true,
        (Entry::Service(p), Caller::Service { name }) => p.matches(name),
        (Entry::Federated(p), Caller::Federated { provider_arn }) => p.matches(provider_arn),
        (Entry::Ram(ram), caller) => ram_matches(ram, caller),
        _ => false,
    }
}

fn ram_matches(ram: &Ram, caller: Caller<'_>) -> bool {
    let account = match caller {
        Caller::Account { account_id }
        | Caller::User { account_id, .. }
        | Caller::AssumedRole { account_id, .. } => account_id,
        Caller::Service { .. } | Caller::Federated { .. } => return false,
    };
    match (ram, caller) {
        (Ram::Any, _) => true,
        (Ram::Account(uid), _) => uid.matches(account),
        (Ram::User(uid, name), Caller::User { user_name, .. }) => {
            uid.matches(account) && name.matches(user_name)
        }
        (Ram::Role(uid, name), Caller::AssumedRole { role_name, .. }) => {
            uid.matches(account) && name.matches(role_name)
        }
        (
            Ram::AssumedRole(uid, role, sess),
            Caller::AssumedRole {
                role_name, session, ..
            },
        ) => uid.matches(account) && role.matches(role_name) && sess.matches(session),
        _ => false,
    }
}

/// Reads a `Principal` element. Errors are messages without the statement prefix.
pub(crate) fn parse_principal(value: &Json) -> Result<Principal, String> {
    let members = match value {
        Json::String(s) if s == "*" => {
            return Ok(Principal {
                entries: vec![Entry::Anyone],
            })
        }
        Json::Object(members) if !members.is_empty() => members,
        other => {
            return Err(format!(
                "field `Principal` must be `\"*\"` or an object with `RAM`, `Service` or `Federated`, found {}",
                describe(other)
            ))
        }
    };
    let mut entries = Vec::new();
    for (i, (kind, values)) in members.iter().enumerate() {
        if members[..i].iter().any(|(k, _)| k == kind) {
            return Err(format!("principal type `{kind}` is given twice"));
        }
        let values = string_list(values).map_err(|found| {
            format!("principal `{kind}` must be a string or an array of strings, found {found}")
        })?;
        for v in values {
            let entry = match kind.as_str() {
                "RAM" => Entry::Ram(parse_ram(v)?),
                "Service" if is_token(v) => Entry::Service(Pattern::new(v, true)),
                "Federated" if v == "*" || (v.starts_with("acs:ram:") && is_token(v)) => {
                    Entry::Federated(Pattern::new(v, false))
                }
                "Service" | "Federated" => {
                    return Err(format!("principal `{kind}` value `{v}` is not valid"))
                }
                _ => {
                    return Err(format!(
                        "unknown principal type `{kind}` (expected `RAM`, `Service` or `Federated`)"
                    ))
                }
            };
            entries.push(entry);
        }
    }
    Ok(Principal { entries })
}

fn describe(v: &Json) -> String {
    match v {
        Json::String(s) => format!("`{s}`"),
        other => other.type_name().to_owned(),
    }
}

/// A non-empty string or a non-empty array of strings; the error names what was found.
fn string_list(value: &Json) -> Result<Vec<&str>, &'static str> {
    match value {
        Json::String(s) => Ok(vec![s.as_str()]),
        Json::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| match i {
                Json::String(s) => Ok(s.as_str()),
                other => Err(other.type_name()),
            })
            .collect(),
        Json::Array(_) => Err("an empty array"),
        other => Err(other.type_name()),
    }
}

fn is_token(v: &str) -> bool {
    !v.is_empty() && !v.chars().any(char::is_whitespace)
}

fn is_account(v: &str) -> bool {
    v == "*" || (!v.is_empty() && v.len() <= 32 && v.bytes().all(|b| b.is_ascii_digit()))
}

fn is_name(v: &str) -> bool {
    is_token(v) && !v.contains('/')
}

fn parse_ram(v: &str) -> Result<Ram, String> {
    let bad = || {
        format!(
            "principal `RAM` value `{v}` must be an account id, `acs:ram::<account-id>:root` (or `:*`), \
             `acs:ram::<account-id>:user/<name>` or `acs:ram::<account-id>:role/<name>`"
        )
    };
    if v == "*" {
        return Ok(Ram::Any);
    }
    if is_account(v) {
        return Ok(Ram::Account(Pattern::new(v, false)));
    }
    let rest = v
        .strip_prefix("acs:ram::")
        .or_else(|| v.strip_prefix("acs:ram:*:"))
        .ok_or_else(bad)?;
    let (uid, relative) = rest.split_once(':').ok_or_else(bad)?;
    if !is_account(uid) {
        return Err(bad());
    }
    let uid = Pattern::new(uid, false);
    let parts: Vec<&str> = relative.split('/').collect();
    let name = |s: &str| Pattern::new(s, false);
    match parts.as_slice() {
        // `acs:ram::<uid>:*` (as KMS key policies write it): the account.
        ["root"] | ["*"] => Ok(Ram::Account(uid)),
        ["user", n] if is_name(n) => Ok(Ram::User(uid, name(n))),
        ["role", n] if is_name(n) => Ok(Ram::Role(uid, name(n))),
        ["assumed-role", r, s] if is_name(r) && is_name(s) => {
            Ok(Ram::AssumedRole(uid, name(r), name(s)))
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_json;

    fn principal(text: &str) -> Principal {
        parse_principal(&parse_json(text, "C").unwrap()).unwrap()
    }

    const ROOT: Caller<'static> = Caller::Account { account_id: "111" };
    const ALICE: Caller<'static> = Caller::User {
        account_id: "111",
        user_name: "alice",
    };
    const BOB_OTHER: Caller<'static> = Caller::User {
        account_id: "222",
        user_name: "bob",
    };
    const SESSION: Caller<'static> = Caller::AssumedRole {
        account_id: "111",
        role_name: "ops",
        session: "s1",
    };
    const KMS: Caller<'static> = Caller::Service {
        name: "kms.aliyuncs.com",
    };

    #[test]
    fn account_root_matches_everyone_in_the_account() {
        for text in [r#"{"RAM":"acs:ram::111:root"}"#, r#"{"RAM":["111"]}"#] {
            let p = principal(text);
            assert!(p.matches(&ROOT) && p.matches(&ALICE) && p.matches(&SESSION));
            assert!(!p.matches(&BOB_OTHER) && !p.matches(&KMS));
        }
    }

    #[test]
    fn specific_user_and_role() {
        let p = principal(r#"{"RAM":["acs:ram::111:user/alice","acs:ram::222:role/ops"]}"#);
        assert!(p.matches(&ALICE));
        assert!(!p.matches(&ROOT) && !p.matches(&SESSION) && !p.matches(&BOB_OTHER));
        let p = principal(r#"{"RAM":"acs:ram::111:role/ops"}"#);
        assert!(p.matches(&SESSION) && !p.matches(&ALICE));
        let p = principal(r#"{"RAM":"acs:ram::111:assumed-role/ops/s2"}"#);
        assert!(!p.matches(&SESSION));
    }

    #[test]
    fn service_only_matches_that_service() {
        let p = principal(r#"{"Service":["KMS.aliyuncs.com"]}"#);
        assert!(p.matches(&KMS));
        assert!(!p.matches(&ROOT) && !p.matches(&ALICE) && !p.matches(&SESSION));
        assert!(!p.matches(&Caller::Service {
            name: "ecs.aliyuncs.com"
        }));
        let user_named_like_service = Caller::User {
            account_id: "111",
            user_name: "kms.aliyuncs.com",
        };
        assert!(!p.matches(&user_named_like_service));
    }

    #[test]
    fn stars() {
        let p = principal(r#""*""#);
        assert!(p.matches(&KMS) && p.matches(&BOB_OTHER));
        let p = principal(r#"{"RAM":"*"}"#);
        assert!(p.matches(&BOB_OTHER) && !p.matches(&KMS));
        let fed = Caller::Federated {
            provider_arn: "acs:ram::111:saml-provider/idp",
        };
        assert!(principal(r#"{"Federated":"acs:ram::111:saml-provider/idp"}"#).matches(&fed));
        assert!(!principal(r#"{"RAM":"*"}"#).matches(&fed));
    }

    #[test]
    fn errors() {
        let err = |t: &str| parse_principal(&parse_json(t, "C").unwrap()).unwrap_err();
        assert!(err(r#""alice""#).contains("found `alice`"));
        assert!(err(r#"{}"#).contains("found an object"));
        assert!(err(r#"{"Ram":"111"}"#).contains("unknown principal type `Ram`"));
        assert!(err(r#"{"RAM":"acs:ram::111:group/x"}"#).contains("`acs:ram::111:group/x`"));
        assert!(err(r#"{"RAM":"acs:ecs::111:root"}"#).contains("must be an account id"));
        assert!(err(r#"{"RAM":[]}"#).contains("found an empty array"));
        assert!(err(r#"{"RAM":[1]}"#).contains("found a number"));
        assert!(err(r#"{"Service":""}"#).contains("is not valid"));
        assert!(err(r#"{"RAM":"1","RAM":"2"}"#).contains("twice"));
    }
}
