//! The MariaDB/MySQL dialect, for several replicas sharing one database,
//! or a multi-primary Galera cluster of MariaDB.
//!
//! Writes run at `READ COMMITTED`; reads of several statements on one
//! consistent snapshot. The rules' row locks are InnoDB's
//! (`FOR UPDATE`, `LOCK IN SHARE MODE`, `FOR UPDATE SKIP LOCKED`).
//! Account-wide locks ([`crate::tx::Lock`]) are rows of a `locks` table,
//! written (not only read) by whoever takes them: on one server that is a
//! row lock held until commit; on a Galera cluster, where row locks stay
//! on their node, two nodes writing the same row conflict when they
//! certify their commits, and one of them is refused. A refused commit
//! (error 1213: a deadlock, or a Galera certification conflict), a lock
//! wait timeout (1205) and a node not yet ready (1047) are retried with
//! the whole transaction. The replay window is a table.

mod conn;

pub use conn::MysqlStore;
