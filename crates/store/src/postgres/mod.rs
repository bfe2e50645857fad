//! The PostgreSQL dialect, for several replicas sharing one database.
//!
//! Every transaction runs at `READ COMMITTED` (reads of several statements
//! at `REPEATABLE READ`, read-only). The rules take row locks
//! (`SELECT … FOR UPDATE`/`FOR SHARE`) and, for account-wide limits and
//! tag sets, transaction-scoped advisory locks. Serialization failures and
//! deadlocks are retried a few times. The replay window is a table.
//! Replicas learn of each other's writes by `LISTEN/NOTIFY` (see
//! [`listen`]), so their read caches stay within a stated staleness.

mod conn;
mod listen;
mod nonces;
mod pool;

pub use conn::{PostgresStore, DEFAULT_POOL_SIZE};
pub use listen::STALENESS;
