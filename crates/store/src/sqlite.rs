//! The embedded SQLite implementation of [`Store`](crate::Store).

mod conn;
mod iam;

pub use conn::SqliteStore;
