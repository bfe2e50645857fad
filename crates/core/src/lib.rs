//! The Rampart domain: the account, RAM users, AccessKeys, groups and login
//! profiles, who is calling ([`Principal`]) and whether they may
//! ([`authz`]). Talks to storage only through [`rampart_store::Store`];
//! knows nothing of HTTP.

/// How a checked name or id (`struct Name(String)`, made only where it is
/// checked or read from the store) is read: `as_str`, `Deref<Target = str>`
/// and `Display`, the same for every such type.
macro_rules! text_newtype {
    ($name:ident) => {
        impl $name {
            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub mod account;
pub mod audit;
pub mod authz;
mod cache;
mod clock;
pub mod codes;
pub mod console;
pub mod costly;
pub mod diagnostic;
mod error;
pub mod federation;
pub mod kms;
mod principal;
pub mod ram;
mod resolve;
pub use resolve::KeyAuth;
mod service;
pub mod sso;
pub mod sts;
pub mod time;

pub use clock::{Clock, ManualClock, OffsetClock, SystemClock};
pub use error::{echo, ApiError, INTERNAL_ERRORS};
pub use principal::Principal;
pub use service::{Limits, Rampart, Settings};
