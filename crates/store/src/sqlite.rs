//! The embedded SQLite implementation of [`Store`](crate::Store).

mod conn;
mod iam;
mod policies;

pub use conn::SqliteStore;
