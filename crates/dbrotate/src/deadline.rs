//! Running a blocking operation with a deadline, for drivers that cannot
//! bound a wait themselves.

use std::sync::mpsc;
use std::time::Duration;

use crate::Error;

/// Runs `f` on a thread of its own and waits at most `limit` for its
/// result. Past the limit, [`Error::Unreachable`] is returned and the
/// thread is left to finish (or fail) on its own; whatever it does then is
/// not reported.
pub(crate) fn run<T, F>(limit: Duration, what: &str, f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Error> + Send + 'static,
{
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("rampart-dbrotate".into())
        .spawn(move || {
            // The receiver may be gone (deadline passed): nothing to do.
            let _ = tx.send(f());
        })
        .map_err(|e| Error::Other(format!("cannot start a thread: {e}")))?;
    match rx.recv_timeout(limit) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(Error::Unreachable(format!(
            "{what} did not finish within {} s",
            limit.as_secs()
        ))),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(Error::Other(format!("{what} stopped without a result")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_or_timeout() {
        assert_eq!(run(Duration::from_secs(5), "x", || Ok(3)), Ok(3));
        let e = run(Duration::from_millis(50), "the operation", || {
            std::thread::sleep(Duration::from_millis(500));
            Ok(())
        })
        .unwrap_err();
        assert_eq!(e.code(), "Rotation.InstanceUnreachable");
    }
}
