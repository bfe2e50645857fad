//! The Rampart domain: the account, RAM users, AccessKeys, groups and login
//! profiles, who is calling ([`Principal`]) and whether they may
//! ([`authz`]). Talks to storage only through [`rampart_store::Store`];
//! knows nothing of HTTP.

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
