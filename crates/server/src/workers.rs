//! Background workers: the rotation scheduler (every second) and the
//! sweeper (deletion windows, automatic key rotation). Supervised: a failed
//! pass is logged and retried with backoff; shutdown lets a pass finish.

use std::time::Duration;

use std::sync::Arc;

use rampart_core::Rampart;

use crate::metrics::Metrics;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Starts the workers; they stop when `stop` turns true. Each pass holds
/// `jobs` (test mode's control actions take it too).
pub fn spawn(
    rampart: Rampart,
    metrics: Arc<Metrics>,
    jobs: Arc<std::sync::Mutex<()>>,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let owner = format!("rampart-{}-{}", std::process::id(), uuid::Uuid::new_v4());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut n: u64 = 0;
        let mut failures: u32 = 0;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => break,
            }
            if *stop.borrow() {
                break;
            }
            n += 1;
            let r = rampart.clone();
            let o = owner.clone();
            let sweep = n % 10 == 1;
            let m = metrics.clone();
            let tick_at = std::time::Instant::now();
            let jobs = jobs.clone();
            let pass = tokio::task::spawn_blocking(move || -> Result<(), String> {
                let _jobs = jobs.lock().unwrap_or_else(|e| e.into_inner());
                let (rotated, finished, failed) =
                    r.run_due_rotations(&o, 200).map_err(|e| e.to_string())?;
                let lag = i64::try_from(tick_at.elapsed().as_millis()).unwrap_or(i64::MAX);
                m.rotation_pass(rotated, finished, failed, lag);
                if rotated + finished + failed > 0 {
                    tracing::info!(rotated, finished, failed, "rotation pass");
                }
                if sweep {
                    let (secrets, keys) = r.purge_due().map_err(|e| e.to_string())?;
                    let rotated_keys = r.rotate_due_keys().map_err(|e| e.to_string())?;
                    if secrets + keys + rotated_keys > 0 {
                        tracing::info!(secrets, keys, rotated_keys, "sweeper pass");
                    }
                }
                Ok(())
            })
            .await;
            match pass {
                Ok(Ok(())) => failures = 0,
                Ok(Err(e)) => {
                    failures += 1;
                    tracing::warn!(error = %e, failures, "background pass failed; retrying with backoff");
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(error = %e, failures, "background pass panicked; retrying with backoff");
                }
            }
            if failures > 0 {
                let wait = Duration::from_secs(1u64 << failures.min(6));
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => break,
                }
            }
        }
        tracing::info!("background workers stopped");
    })
}

/// How often old audit events are deleted: a quarter of the retention,
/// between 1 s and 60 s.
fn purge_period(retention: Duration) -> Duration {
    (retention / 4).clamp(Duration::from_secs(1), Duration::from_secs(60))
}

/// Flushes the audit buffer every 250 ms, and once more when stopped;
/// deletes events older than `retention` at start and then every
/// [`purge_period`].
pub fn spawn_audit(
    rampart: Rampart,
    metrics: Arc<Metrics>,
    retention: Duration,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        let mut last_purge: Option<std::time::Instant> = None;
        loop {
            let stopping = tokio::select! {
                _ = tick.tick() => false,
                _ = stop.changed() => true,
            };
            let r = rampart.clone();
            match tokio::task::spawn_blocking(move || r.flush_audit()).await {
                Ok(Ok(n)) => metrics.audit(n),
                Ok(Err(e)) => tracing::warn!(error = %e, "audit flush failed; will retry"),
                Err(e) => tracing::warn!(error = %e, "audit flush panicked"),
            }
            if stopping || *stop.borrow() {
                break;
            }
            if last_purge.is_none_or(|t| t.elapsed() >= purge_period(retention)) {
                last_purge = Some(std::time::Instant::now());
                let r = rampart.clone();
                let secs = retention.as_secs();
                match tokio::task::spawn_blocking(move || r.purge_audit(secs)).await {
                    Ok(Ok(0)) => {}
                    Ok(Ok(n)) => {
                        tracing::info!(deleted = n, "audit events past their retention deleted")
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "audit retention pass failed; will retry")
                    }
                    Err(e) => tracing::warn!(error = %e, "audit retention pass panicked"),
                }
            }
        }
    })
}
