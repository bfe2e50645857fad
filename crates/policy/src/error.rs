//! The error returned when a policy document is refused.

use std::fmt;

/// Wire error codes this crate produces; the server maps them to HTTP 400.
pub mod codes {
    /// RAM: the document is not valid JSON or breaks the policy grammar.
    pub const MALFORMED: &str = "MalformedPolicyDocument";
    /// RAM: a `PolicyDocument` (identity or resource policy) longer than 6144 characters.
    pub const POLICY_DOCUMENT_LENGTH: &str = "InvalidParameter.PolicyDocument.Length";
    /// RAM: an `AssumeRolePolicyDocument` (trust policy) longer than 6144 characters.
    pub const TRUST_DOCUMENT_LENGTH: &str = "InvalidParameter.AssumeRolePolicyDocument.Length";
    /// STS: the session `Policy` of AssumeRole breaks the grammar.
    pub const SESSION_GRAMMAR: &str = "InvalidParameter.PolicyGrammar";
    /// STS: the session `Policy` of AssumeRole is longer than 2048 characters.
    pub const SESSION_SIZE: &str = "InvalidParameter.PolicySize";
}

/// Why a policy document was refused, with where the problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// The Alibaba error code to answer with (see [`codes`]).
    pub code: &'static str,
    /// A lowercase message that says where and what, user input in backticks.
    pub message: String,
    /// The 1-based statement the problem is in, when it is in one.
    pub statement: Option<usize>,
    /// The 1-based line of a JSON syntax error.
    pub line: Option<usize>,
    /// The 1-based column of a JSON syntax error.
    pub column: Option<usize>,
}

impl PolicyError {
    /// A grammar error outside any statement.
    pub(crate) fn grammar(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            statement: None,
            line: None,
            column: None,
        }
    }

    /// A grammar error in the 1-based statement `index`; the message is prefixed with it.
    pub(crate) fn in_statement(code: &'static str, index: usize, message: &str) -> Self {
        Self {
            code,
            message: format!("statement {index}: {message}"),
            statement: Some(index),
            line: None,
            column: None,
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyError {}
