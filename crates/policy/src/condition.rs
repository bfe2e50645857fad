//! Condition operators, their values compiled at parse time, and their evaluation.
//!
//! One condition is one (operator, key, values) triple. Values are ORed; a
//! context key with several values matches when any of them matches. Each
//! `Not*` operator is exactly the negation of its positive twin, so a key the
//! request does not carry makes a positive operator false and a `Not*`
//! operator true (as in AWS IAM).

use std::collections::HashSet;

use crate::context::{Context, Typed};
use crate::date::parse_date;
use crate::index::Subject;
use crate::ip::IpNet;
use crate::json::Json;
use crate::pattern::Pattern;

/// A condition operator of RAM's policy language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// Exact, case-sensitive string match.
    StringEquals,
    /// Negation of `StringEquals`.
    StringNotEquals,
    /// Case-insensitive string match.
    StringEqualsIgnoreCase,
    /// Negation of `StringEqualsIgnoreCase`.
    StringNotEqualsIgnoreCase,
    /// Case-sensitive match with `*` and `?` wildcards.
    StringLike,
    /// Negation of `StringLike`.
    StringNotLike,
    /// Numeric `==`.
    NumericEquals,
    /// Negation of `NumericEquals`.
    NumericNotEquals,
    /// Context value `<` policy value.
    NumericLessThan,
    /// Context value `<=` policy value.
    NumericLessThanEquals,
    /// Context value `>` policy value.
    NumericGreaterThan,
    /// Context value `>=` policy value.
    NumericGreaterThanEquals,
    /// Same instant.
    DateEquals,
    /// Negation of `DateEquals`.
    DateNotEquals,
    /// Context date before policy date.
    DateLessThan,
    /// Context date before or at policy date.
    DateLessThanEquals,
    /// Context date after policy date.
    DateGreaterThan,
    /// Context date at or after policy date.
    DateGreaterThanEquals,
    /// `true`/`false`, case-insensitive.
    Bool,
    /// Address inside one of the blocks.
    IpAddress,
    /// Negation of `IpAddress`.
    NotIpAddress,
}

/// Every operator, in documentation order.
pub const OPERATORS: [Operator; 21] = {
    use Operator::*;
    [
        StringEquals,
        StringNotEquals,
        StringEqualsIgnoreCase,
        StringNotEqualsIgnoreCase,
        StringLike,
        StringNotLike,
        NumericEquals,
        NumericNotEquals,
        NumericLessThan,
        NumericLessThanEquals,
        NumericGreaterThan,
        NumericGreaterThanEquals,
        DateEquals,
        DateNotEquals,
        DateLessThan,
        DateLessThanEquals,
        DateGreaterThan,
        DateGreaterThanEquals,
        Bool,
        IpAddress,
        NotIpAddress,
    ]
};

impl Operator {
    /// The operator's name as written in a policy.
    pub fn name(self) -> &'static str {
        use Operator::*;
        match self {
            StringEquals => "StringEquals",
            StringNotEquals => "StringNotEquals",
            StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            StringLike => "StringLike",
            StringNotLike => "StringNotLike",
            NumericEquals => "NumericEquals",
            NumericNotEquals => "NumericNotEquals",
            NumericLessThan => "NumericLessThan",
            NumericLessThanEquals => "NumericLessThanEquals",
            NumericGreaterThan => "NumericGreaterThan",
            NumericGreaterThanEquals => "NumericGreaterThanEquals",
            DateEquals => "DateEquals",
            DateNotEquals => "DateNotEquals",
            DateLessThan => "DateLessThan",
            DateLessThanEquals => "DateLessThanEquals",
            DateGreaterThan => "DateGreaterThan",
            DateGreaterThanEquals => "DateGreaterThanEquals",
            Bool => "Bool",
            IpAddress => "IpAddress",
            NotIpAddress => "NotIpAddress",
        }
    }

    /// The operator named `name` (exact case), if RAM has one.
    pub fn from_name(name: &str) -> Option<Self> {
        OPERATORS.into_iter().find(|op| op.name() == name)
    }

    /// Whether this is a `Not*` operator (true when the key is absent).
    pub fn is_negated(self) -> bool {
        use Operator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
        )
    }
}

/// Compiled policy values of one condition.
#[derive(Clone, Debug)]
enum Values {
    Str(Vec<String>),
    /// Lowercased with `str::to_lowercase`.
    StrIgnoreCase(Vec<String>),
    Like(Vec<Pattern>),
    Num(Vec<f64>),
    /// Nanoseconds since the epoch.
    Date(Vec<i128>),
    Bool(Vec<bool>),
    Ip(Vec<IpNet>),
}

/// One (operator, key, values) test of a statement's `Condition` block.
#[derive(Clone, Debug)]
pub struct Condition {
    operator: Operator,
    key: String,
    key_lowercase: String,
    raw: Vec<String>,
    values: Values,
}

impl Condition {
    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The condition key as written in the policy.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The values as written (numbers and booleans stringified).
    pub fn values(&self) -> &[String] {
        &self.raw
    }

    /// Whether the condition holds for `context`.
    pub fn holds(&self, context: &Context) -> bool {
        let found = context
            .lookup(&self.key_lowercase)
            .is_some_and(|(text, typed)| {
                text.iter()
                    .zip(typed)
                    .any(|(v, t)| self.positive_match(v, t))
            });
        found != self.operator.is_negated()
    }

    /// Whether one context value matches one of the policy values under the
    /// positive twin of the operator.
    fn positive_match(&self, value: &str, typed: &Typed) -> bool {
        use Operator::*;
        match &self.values {
            Values::Str(vals) => vals.iter().any(|p| p == value),
            Values::StrIgnoreCase(vals) => vals
                .iter()
                .any(|p| value.chars().flat_map(char::to_lowercase).eq(p.chars())),
            Values::Like(pats) => {
                let subject = Subject {
                    text: value,
                    index: &typed.index,
                    folded: false,
                };
                pats.iter().any(|p| p.matches_in(subject))
            }
            Values::Num(vals) => typed.number.is_some_and(|v| {
                vals.iter().any(|&p| match self.operator {
                    NumericLessThan => v < p,
                    NumericLessThanEquals => v <= p,
                    NumericGreaterThan => v > p,
                    NumericGreaterThanEquals => v >= p,
                    _ => v == p,
                })
            }),
            Values::Date(vals) => typed.date.is_some_and(|v| {
                vals.iter().any(|&p| match self.operator {
                    DateLessThan => v < p,
                    DateLessThanEquals => v <= p,
                    DateGreaterThan => v > p,
                    DateGreaterThanEquals => v >= p,
                    _ => v == p,
                })
            }),
            Values::Bool(vals) => typed.boolean.is_some_and(|v| vals.contains(&v)),
            Values::Ip(nets) => typed.ip.is_some_and(|a| nets.iter().any(|n| n.contains(a))),
        }
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("true") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Reads a `Condition` block into its conditions. Errors are messages without
/// the statement prefix.
pub(crate) fn parse_conditions(block: &Json) -> Result<Vec<Condition>, String> {
    let Json::Object(ops) = block else {
        return Err(format!(
            "field `Condition` must be an object of operators, found {}",
            block.type_name()
        ));
    };
    let mut out = Vec::new();
    for (i, (op_name, keys)) in ops.iter().enumerate() {
        if ops[..i].iter().any(|(n, _)| n == op_name) {
            return Err(format!("condition operator `{op_name}` is given twice"));
        }
        let operator = Operator::from_name(op_name).ok_or_else(|| {
            format!("unknown condition operator `{op_name}` (operators are case-sensitive)")
        })?;
        let Json::Object(keys) = keys else {
            return Err(format!(
                "condition `{op_name}` must be an object of keys to values, found {}",
                keys.type_name()
            ));
        };
        // Keys seen so far, lowercased: a set, so a block of many keys stays linear.
        let mut seen = HashSet::with_capacity(keys.len());
        for (key, value) in keys {
            let key_lowercase = key.to_lowercase();
            if key.trim().is_empty() {
                return Err(format!("condition `{op_name}` has an empty key"));
            }
            if !seen.insert(key_lowercase.clone()) {
                return Err(format!("condition `{op_name}` gives key `{key}` twice"));
            }
            let raw = condition_values(value)
                .map_err(|m| format!("condition `{op_name}` key `{key}`: {m}"))?;
            let values = compile(operator, &raw)
                .map_err(|m| format!("condition `{op_name}` key `{key}`: {m}"))?;
            out.push(Condition {
                operator,
                key: key.clone(),
                key_lowercase,
                raw,
                values,
            });
        }
    }
    Ok(out)
}

/// A scalar or an array of scalars, numbers and booleans stringified.
fn condition_values(value: &Json) -> Result<Vec<String>, String> {
    fn scalar(v: &Json) -> Result<String, String> {
        match v {
            Json::String(s) => Ok(s.clone()),
            Json::Number(n) => Ok(n.clone()),
            Json::Bool(b) => Ok(b.to_string()),
            other => Err(format!(
                "a value must be a string, number or boolean, found {}",
                other.type_name()
            )),
        }
    }
    let values = match value {
        Json::Array(items) => items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?,
        single => vec![scalar(single)?],
    };
    if values.is_empty() {
        return Err("the value list is empty".to_owned());
    }
    Ok(values)
}

fn compile(operator: Operator, raw: &[String]) -> Result<Values, String> {
    use Operator::*;
    fn each<T>(
        raw: &[String],
        f: impl Fn(&str) -> Option<T>,
        what: &str,
    ) -> Result<Vec<T>, String> {
        raw.iter()
            .map(|v| f(v).ok_or_else(|| format!("`{v}` is not {what}")))
            .collect()
    }
    Ok(match operator {
        StringEquals | StringNotEquals => Values::Str(raw.to_vec()),
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
            Values::StrIgnoreCase(raw.iter().map(|v| v.to_lowercase()).collect())
        }
        StringLike | StringNotLike => {
            Values::Like(raw.iter().map(|v| Pattern::new(v, false)).collect())
        }
        NumericEquals
        | NumericNotEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => Values::Num(each(
            raw,
            |v| v.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            "a number",
        )?),
        DateEquals
        | DateNotEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => Values::Date(each(
            raw,
            parse_date,
            "a date (ISO 8601 like `2012-11-11T23:59:59Z`, or epoch seconds)",
        )?),
        Bool => Values::Bool(each(raw, parse_bool, "`true` or `false`")?),
        IpAddress | NotIpAddress => {
            Values::Ip(each(raw, IpNet::parse, "an IP address or CIDR block")?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_json;

    fn conds(text: &str) -> Result<Vec<Condition>, String> {
        parse_conditions(&parse_json(text, "C").unwrap())
    }

    fn holds(text: &str, ctx: &Context) -> bool {
        conds(text).unwrap().iter().all(|c| c.holds(ctx))
    }

    #[test]
    fn operator_names_round_trip() {
        for op in OPERATORS {
            assert_eq!(Operator::from_name(op.name()), Some(op));
        }
        assert_eq!(Operator::from_name("stringequals"), None);
        assert_eq!(Operator::from_name("StringEqualsIfExists"), None);
    }

    #[test]
    fn strings() {
        let ctx = Context::new()
            .with("acs:SourceVpc", "vpc-123")
            .with_many("kms:tag/env", ["Prod", "eu"]);
        assert!(holds(
            r#"{"StringEquals":{"ACS:sourcevpc":"vpc-123"}}"#,
            &ctx
        ));
        assert!(!holds(r#"{"StringEquals":{"kms:tag/env":"prod"}}"#, &ctx));
        assert!(holds(
            r#"{"StringEqualsIgnoreCase":{"kms:tag/env":"PROD"}}"#,
            &ctx
        ));
        assert!(holds(
            r#"{"StringNotEquals":{"kms:tag/env":["dev","test"]}}"#,
            &ctx
        ));
        assert!(!holds(
            r#"{"StringNotEquals":{"kms:tag/env":["eu"]}}"#,
            &ctx
        ));
        assert!(!holds(
            r#"{"StringNotEqualsIgnoreCase":{"kms:tag/env":"PROD"}}"#,
            &ctx
        ));
        assert!(holds(r#"{"StringLike":{"acs:SourceVpc":"vpc-*"}}"#, &ctx));
        assert!(holds(
            r#"{"StringNotLike":{"acs:SourceVpc":"vpc-9*"}}"#,
            &ctx
        ));
    }

    #[test]
    fn missing_key() {
        let ctx = Context::new();
        assert!(!holds(r#"{"StringEquals":{"a:b":"x"}}"#, &ctx));
        assert!(holds(r#"{"StringNotEquals":{"a:b":"x"}}"#, &ctx));
        assert!(holds(
            r#"{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#,
            &ctx
        ));
        assert!(!holds(
            r#"{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#,
            &ctx
        ));
        assert!(!holds(r#"{"Bool":{"acs:SecureTransport":"true"}}"#, &ctx));
    }

    #[test]
    fn numbers_dates_bools_ips() {
        let ctx = Context::new()
            .with("n:x", "5")
            .with("acs:CurrentTime", "2020-01-01T00:00:00Z")
            .with("acs:SecureTransport", "TRUE")
            .with("acs:SourceIp", "2001:db8::5");
        assert!(holds(r#"{"NumericEquals":{"n:x":5}}"#, &ctx));
        assert!(holds(
            r#"{"NumericLessThan":{"n:x":"5.5"},"NumericGreaterThanEquals":{"n:x":5}}"#,
            &ctx
        ));
        assert!(!holds(r#"{"NumericGreaterThan":{"n:x":5}}"#, &ctx));
        assert!(holds(
            r#"{"DateLessThan":{"acs:CurrentTime":"2020-01-01T00:00:01Z"}}"#,
            &ctx
        ));
        assert!(holds(
            r#"{"DateEquals":{"acs:CurrentTime":"1577836800"}}"#,
            &ctx
        ));
        assert!(holds(r#"{"Bool":{"acs:SecureTransport":true}}"#, &ctx));
        assert!(holds(
            r#"{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}"#,
            &ctx
        ));
        assert!(!holds(
            r#"{"NotIpAddress":{"acs:SourceIp":"2001:db8::/32"}}"#,
            &ctx
        ));
    }

    #[test]
    fn unparsable_context_values_never_match() {
        let ctx = Context::new()
            .with("n:x", "five")
            .with("acs:SourceIp", "nope");
        assert!(!holds(r#"{"NumericEquals":{"n:x":5}}"#, &ctx));
        assert!(holds(r#"{"NumericNotEquals":{"n:x":5}}"#, &ctx));
        assert!(!holds(
            r#"{"IpAddress":{"acs:SourceIp":"0.0.0.0/0"}}"#,
            &ctx
        ));
    }

    #[test]
    fn parse_errors() {
        let err = |t: &str| conds(t).unwrap_err();
        assert!(err(r#"{"StringEqual":{"a:b":"x"}}"#)
            .contains("unknown condition operator `StringEqual`"));
        assert!(err(r#"{"NumericEquals":{"a:b":"x"}}"#).contains("`x` is not a number"));
        assert!(err(r#"{"DateEquals":{"a:b":"soon"}}"#).contains("`soon` is not a date"));
        assert!(err(r#"{"Bool":{"a:b":"yes"}}"#).contains("`yes` is not `true` or `false`"));
        assert!(err(r#"{"IpAddress":{"a:b":"10.0.0.0/40"}}"#).contains("is not an IP address"));
        assert!(err(r#"{"StringEquals":{"a:b":[]}}"#).contains("empty"));
        assert!(err(r#"{"StringEquals":{"a:b":{}}}"#).contains("found an object"));
        assert!(err(r#"{"StringEquals":["a"]}"#).contains("found an array"));
        assert!(err(r#"{"StringEquals":{"a:b":"x","A:B":"y"}}"#).contains("twice"));
        assert!(err(r#"[]"#).contains("must be an object"));
        assert!(conds("{}").unwrap().is_empty());
    }

    #[test]
    fn many_keys() {
        let keys: Vec<String> = (0..3000).map(|i| format!(r#""k:{i}":"v""#)).collect();
        let block = |extra: &str| format!(r#"{{"StringEquals":{{{}{extra}}}}}"#, keys.join(","));
        assert_eq!(conds(&block("")).unwrap().len(), 3000);
        let err = conds(&block(r#","K:17":"w""#)).unwrap_err();
        assert_eq!(err, "condition `StringEquals` gives key `K:17` twice");
    }
}
