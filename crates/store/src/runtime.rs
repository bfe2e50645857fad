//! Blocking work from code that may run on an asynchronous runtime's
//! worker thread: the store's database calls, waits for a nonce verdict,
//! an audit flush or a job off the request workers.

/// Runs `f`, which blocks (waits for a database, a verdict, a peer), without stalling the other
/// tasks of an asynchronous runtime's worker it may be running on (the
/// worker's tasks move to another thread meanwhile). Anywhere else (a
/// thread of its own, a single-threaded runtime) it just runs `f`.
pub fn blocking<T>(f: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}
