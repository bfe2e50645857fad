//! The embedded SQLite implementation of [`Store`](crate::Store).

mod audit;
mod conn;
mod iam;
mod kms;
mod policies;
mod rotation;
mod secrets;

pub use conn::SqliteStore;
