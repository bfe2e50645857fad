//! The PostgreSQL implementation of [`Store`](crate::Store), for several
//! replicas sharing one database.
//!
//! Every trait method runs in one transaction at `READ COMMITTED`; checks
//! that several replicas could race (limits, dependents before a delete) hold
//! a row lock on the parent row (`SELECT … FOR UPDATE`) or, for account-wide
//! limits, a transaction-scoped advisory lock, so two replicas cannot both
//! pass them. Uniqueness is the indexes' job: a unique violation (SQLSTATE
//! `23505`) becomes [`StoreError::Conflict`](crate::StoreError::Conflict).
//! Serialization failures and deadlocks are retried a few times.

mod audit;
mod conn;
mod iam;
mod kms;
mod policies;
mod rotation;
mod secrets;

pub use conn::PostgresStore;
