//! The embedded SQLite dialect: one file, one writer at a time (so no lock
//! is needed), the replay window in memory (bounded: [`window`]), and a write generation for
//! the domain's read caches.

mod conn;
mod tx;
pub mod window;

pub use conn::SqliteStore;
