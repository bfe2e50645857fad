//! The grammar check: JSON text to a compiled [`PolicyDocument`].

use crate::condition::parse_conditions;
use crate::document::{shared_service, DocumentKind, PolicyDocument, Statement, StatementEffect};
use crate::error::PolicyError;
use crate::json::{parse_json, Json};
use crate::pattern::Pattern;
use crate::principal::parse_principal;

const TOP_FIELDS: [&str; 2] = ["Version", "Statement"];
const STATEMENT_FIELDS: [&str; 8] = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "Condition",
];

/// Parses and validates `doc` as a policy of `kind`, compiling its matchers.
///
/// Errors carry `kind`'s codes: [`DocumentKind::size_code`] when the text is
/// longer than [`DocumentKind::max_chars`], otherwise [`DocumentKind::malformed_code`].
pub fn parse(doc: &str, kind: DocumentKind) -> Result<PolicyDocument, PolicyError> {
    let code = kind.malformed_code();
    let chars = doc.chars().count();
    if chars > kind.max_chars() {
        return Err(PolicyError::grammar(
            kind.size_code(),
            format!(
                "the policy document has {chars} characters, more than the limit of {}",
                kind.max_chars()
            ),
        ));
    }
    if doc.trim().is_empty() {
        return Err(PolicyError::grammar(code, "the policy document is empty"));
    }
    let json = parse_json(doc, code)?;
    let top = |m: String| PolicyError::grammar(code, m);
    let Json::Object(members) = &json else {
        return Err(top(format!(
            "the policy document must be a JSON object, found {}",
            json.type_name()
        )));
    };
    check_fields(members, &TOP_FIELDS, "top-level field").map_err(top)?;
    match field(members, "Version") {
        Some(Json::String(v)) if v == "1" => {}
        Some(other) => {
            return Err(top(format!(
                "field `Version` must be `\"1\"`, found {}",
                show(other)
            )))
        }
        None => return Err(top("missing field `Version` (must be `\"1\"`)".to_owned())),
    }
    let list: Vec<&Json> = match field(members, "Statement") {
        Some(Json::Array(items)) if !items.is_empty() => items.iter().collect(),
        Some(single @ Json::Object(_)) => vec![single],
        Some(other) => {
            return Err(top(format!(
                "field `Statement` must be an object or a non-empty array of objects, found {}",
                show(other)
            )))
        }
        None => return Err(top("missing field `Statement`".to_owned())),
    };
    let statements = list
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            parse_statement(s, kind).map_err(|m| PolicyError::in_statement(code, i + 1, &m))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PolicyDocument { kind, statements })
}

fn parse_statement(value: &Json, kind: DocumentKind) -> Result<Statement, String> {
    let Json::Object(members) = value else {
        return Err(format!(
            "a statement must be an object, found {}",
            show(value)
        ));
    };
    check_fields(members, &STATEMENT_FIELDS, "field")?;
    if field(members, "NotResource").is_some() {
        return Err("field `NotResource` is not supported by RAM policies; use `Resource` with a `Deny` statement".to_owned());
    }
    let sid = match field(members, "Sid") {
        None => None,
        Some(Json::String(s)) if valid_sid(s) => Some(s.clone()),
        Some(other) => {
            return Err(format!(
            "field `Sid` must be 1 to 128 characters from `A-Z a-z 0-9 _ / + = . @ -`, found {}",
            show(other)
        ))
        }
    };
    let effect = match field(members, "Effect") {
        Some(Json::String(s)) if s == "Allow" => StatementEffect::Allow,
        Some(Json::String(s)) if s == "Deny" => StatementEffect::Deny,
        Some(other) => {
            return Err(format!(
                "field `Effect` must be `Allow` or `Deny`, found {}",
                show(other)
            ))
        }
        None => return Err("missing field `Effect`".to_owned()),
    };
    let (actions, not_action) = match (field(members, "Action"), field(members, "NotAction")) {
        (Some(a), None) => (a, false),
        (None, Some(a)) => (a, true),
        (Some(_), Some(_)) => {
            return Err("fields `Action` and `NotAction` cannot both be given".to_owned())
        }
        (None, None) => return Err("missing field `Action` (or `NotAction`)".to_owned()),
    };
    let action_field = if not_action { "NotAction" } else { "Action" };
    let actions = strings(actions, action_field)?;
    let service = if not_action {
        None
    } else {
        shared_service(&actions)
    };
    let actions = actions
        .into_iter()
        .map(|a| {
            if valid_action(a) {
                Ok(Pattern::new(a, true))
            } else {
                Err(format!(
                    "action `{a}` must look like `service:Action` (wildcards `*` and `?` allowed) or be `*`"
                ))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let resources = match (field(members, "Resource"), kind) {
        (Some(_), DocumentKind::Trust) => {
            return Err("field `Resource` is not allowed in a trust policy".to_owned())
        }
        (None, DocumentKind::Trust) => None,
        (None, _) => {
            return Err(format!(
                "missing field `Resource` (required in {})",
                kind.article_name()
            ))
        }
        (Some(r), _) => Some(
            strings(r, "Resource")?
                .into_iter()
                .map(|r| {
                    if r == "*" || (r.starts_with("acs:") && !r.contains(char::is_whitespace)) {
                        Ok(Pattern::new(r, false))
                    } else {
                        Err(format!("resource `{r}` must be `*` or an ARN like `acs:<service>:<region>:<account-id>:<relative-id>`"))
                    }
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let principal = match (field(members, "Principal"), kind) {
        (Some(_), DocumentKind::Identity | DocumentKind::Session) => {
            return Err(format!(
                "field `Principal` is not allowed in {}",
                kind.article_name()
            ))
        }
        (Some(p), _) => Some(parse_principal(p)?),
        (None, DocumentKind::Identity | DocumentKind::Session) => None,
        (None, _) => {
            return Err(format!(
                "missing field `Principal` (required in {})",
                kind.article_name()
            ))
        }
    };
    let conditions = match field(members, "Condition") {
        Some(block) => parse_conditions(block)?,
        None => Vec::new(),
    };
    Ok(Statement {
        sid,
        effect,
        actions,
        not_action,
        service,
        resources,
        principal,
        conditions,
    })
}

/// Refuses unknown and repeated members; suggests the right case for a near miss.
fn check_fields(members: &[(String, Json)], known: &[&str], what: &str) -> Result<(), String> {
    for (i, (name, _)) in members.iter().enumerate() {
        if members[..i].iter().any(|(n, _)| n == name) {
            return Err(format!("{what} `{name}` is given twice"));
        }
        if !known.contains(&name.as_str()) {
            return Err(match known.iter().find(|k| k.eq_ignore_ascii_case(name)) {
                Some(k) => format!("unknown {what} `{name}` (did you mean `{k}`?)"),
                None => format!("unknown {what} `{name}`"),
            });
        }
    }
    Ok(())
}

fn field<'j>(members: &'j [(String, Json)], name: &str) -> Option<&'j Json> {
    members.iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

/// A value for messages: strings in backticks, other types by name.
fn show(v: &Json) -> String {
    match v {
        Json::String(s) => format!("`{s}`"),
        Json::Number(n) => format!("the number `{n}`"),
        other => other.type_name().to_owned(),
    }
}

/// A string or a non-empty array of non-empty strings.
fn strings<'j>(value: &'j Json, name: &str) -> Result<Vec<&'j str>, String> {
    let list: Vec<&Json> = match value {
        Json::Array(items) if !items.is_empty() => items.iter().collect(),
        Json::Array(_) => return Err(format!("field `{name}` must not be an empty array")),
        single => vec![single],
    };
    list.into_iter()
        .map(|v| match v {
            Json::String(s) if !s.is_empty() => Ok(s.as_str()),
            Json::String(_) => Err(format!("field `{name}` must not contain an empty string")),
            other => Err(format!(
                "field `{name}` must be a string or an array of strings, found {}",
                show(other)
            )),
        })
        .collect()
}

fn valid_sid(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_/+=.@-".contains(c))
}

fn valid_action(a: &str) -> bool {
    if a == "*" {
        return true;
    }
    let Some((service, api)) = a.split_once(':') else {
        return false;
    };
    let ok = |s: &str, extra: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "*?_-".contains(c) || extra.contains(c))
    };
    ok(service, "") && ok(api, ".")
}

#[cfg(test)]
mod tests;
