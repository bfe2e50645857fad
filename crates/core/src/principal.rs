/// Who signed a request, resolved from its AccessKey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The account owner (root AccessKey): allowed everything on its own resources.
    Root {
        /// Account id.
        account_id: String,
        /// The key that signed.
        access_key_id: String,
    },
    /// A RAM user of the account.
    User {
        /// Account id.
        account_id: String,
        /// Stable user id.
        user_id: String,
        /// User name.
        user_name: String,
        /// The key that signed.
        access_key_id: String,
    },
}

impl Principal {
    /// The account the principal belongs to.
    pub fn account_id(&self) -> &str {
        match self {
            Principal::Root { account_id, .. } | Principal::User { account_id, .. } => account_id,
        }
    }

    /// The AccessKeyId that signed the request.
    pub fn access_key_id(&self) -> &str {
        match self {
            Principal::Root { access_key_id, .. } | Principal::User { access_key_id, .. } => {
                access_key_id
            }
        }
    }

    /// The principal's ARN (`acs:ram::<uid>:root`, `acs:ram::<uid>:user/<name>`).
    pub fn arn(&self) -> String {
        match self {
            Principal::Root { account_id, .. } => format!("acs:ram::{account_id}:root"),
            Principal::User {
                account_id,
                user_name,
                ..
            } => format!("acs:ram::{account_id}:user/{user_name}"),
        }
    }

    /// True for the account owner.
    pub fn is_root(&self) -> bool {
        matches!(self, Principal::Root { .. })
    }
}
