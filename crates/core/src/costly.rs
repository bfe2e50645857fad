//! CPU-heavy work off the request path: key-pair generation, private-key
//! operations (RSA decryption and signing, SM2), Argon2 password hashing.
//!
//! Requests are served on a few runtime workers; one RSA-3072 key pair costs
//! 160–320 ms of CPU, so a caller looping `CreateKey` on a few connections
//! could take every core from everyone else. Such work runs instead on the
//! threads of a [`CostlyPool`]: at most half the machine's cores (one on a
//! two-core machine), lowered in priority where the platform allows (the
//! server installs the hook), behind a bounded queue. A request waits for
//! its job without holding its worker ([`rampart_store::blocking`]); when
//! the queue is full the request is refused at once (429
//! `Rejected.Throttling`), never left to pile up. The per-principal limit
//! on costly requests is the gateway's.

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use crate::ApiError;

/// Jobs waiting for a thread, beyond which requests are refused.
pub const QUEUE: usize = 64;

type Job = Box<dyn FnOnce() + Send>;

/// A few low-priority threads for CPU-heavy work, fed by a bounded queue.
pub struct CostlyPool {
    jobs: SyncSender<Job>,
}

impl std::fmt::Debug for CostlyPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CostlyPool")
    }
}

/// The refusal of work the pool cannot take now.
pub fn throttled() -> ApiError {
    ApiError::of(crate::codes::REJECTED_THROTTLING,
        "The QPS upper limit is exceeded: too many key generations or private-key operations are waiting; retry shortly.",
    )
}

impl CostlyPool {
    /// A pool of `threads` threads (at least one), each first running
    /// `init` (to lower its priority, say).
    pub fn new(threads: usize, init: Option<fn()>) -> Self {
        let (jobs, rx) = mpsc::sync_channel::<Job>(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("rampart-costly-{i}"))
                .spawn(move || {
                    if let Some(init) = init {
                        init();
                    }
                    work(&rx);
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a thread for costly work");
            }
        }
        Self { jobs }
    }

    /// The default size: half the cores, at least one.
    pub fn default_threads() -> usize {
        std::thread::available_parallelism()
            .map(|n| n.get() / 2)
            .unwrap_or(1)
            .max(1)
    }

    /// Runs `f` on a pool thread and waits for its result without holding
    /// an asynchronous runtime's worker; refused at once when the queue is
    /// full.
    pub fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (tx, rx) = mpsc::sync_channel::<T>(1);
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(throttled()),
            Err(TrySendError::Disconnected(_)) => {
                return Err(ApiError::internal("the pool for costly work has stopped"))
            }
        }
        rampart_store::blocking(|| rx.recv())
            .map_err(|_| ApiError::internal("a costly job ended without a result"))
    }
}

fn work(rx: &Mutex<Receiver<Job>>) {
    loop {
        let job = {
            let rx = rx.lock().unwrap_or_else(|e| e.into_inner());
            rx.recv()
        };
        match job {
            Ok(job) => {
                // A job that panics loses only its own answer.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_jobs_and_refuses_beyond_the_queue() {
        let pool = CostlyPool::new(1, None);
        assert_eq!(pool.run(|| 2 + 2).unwrap(), 4);
        // Hold the one thread, fill the queue: the next job is refused.
        let (release, wait) = mpsc::channel::<()>();
        let wait = Arc::new(Mutex::new(wait));
        let w = wait.clone();
        let (started_tx, started) = mpsc::channel::<()>();
        let job: Job = Box::new(move || {
            let _ = started_tx.send(());
            let _ = w.lock().unwrap().recv();
        });
        pool.jobs.try_send(job).unwrap();
        started.recv().unwrap();
        for _ in 0..QUEUE {
            pool.jobs.try_send(Box::new(|| {})).unwrap();
        }
        assert_eq!(pool.run(|| 1).unwrap_err().code, "Rejected.Throttling");
        release.send(()).unwrap();
        // Once drained, jobs run again.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match pool.run(|| 7) {
                Ok(v) => {
                    assert_eq!(v, 7);
                    break;
                }
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(5))
                }
                Err(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn a_panicking_job_fails_alone() {
        let pool = CostlyPool::new(1, None);
        let r = pool.run(|| -> u8 { panic!("boom") });
        assert!(r.is_err());
        assert_eq!(pool.run(|| 3).unwrap(), 3);
    }
}
