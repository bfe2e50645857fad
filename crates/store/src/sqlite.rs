//! The embedded SQLite implementation of [`Store`](crate::Store).

mod conn;
mod iam;
mod kms;
mod policies;
mod rotation;
mod secrets;

pub use conn::SqliteStore;
