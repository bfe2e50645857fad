//! Helpers shared by the engines' integration tests.

#![allow(dead_code, reason = "each test binary uses a part of these helpers")]

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rampart_dbrotate::{Error, Secret};

/// Whether the tests of an engine are skipped (`VAR=skip`).
pub fn skipped(var: &str) -> bool {
    if std::env::var(var).is_ok_and(|v| v == "skip") {
        eprintln!("{var}=skip: skipped");
        true
    } else {
        false
    }
}

/// Asserts that none of `secrets` appears in `text`.
pub fn assert_clean(text: &str, secrets: &[&Secret]) {
    for s in secrets {
        assert!(!text.contains(s.expose()), "a password appears in: {text}");
    }
}

/// Asserts that an error's code is `code` and that neither its message,
/// its `Display` nor its `Debug` holds any of `secrets`.
pub fn assert_error(e: &Error, code: &str, secrets: &[&Secret]) {
    assert_eq!(e.code(), code, "{e:?}");
    assert_clean(&e.message(), secrets);
    assert_clean(&e.to_string(), secrets);
    assert_clean(&format!("{e:?}"), secrets);
}

/// A local port nothing listens on: connecting is refused at once.
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A server that accepts connections and never answers; counts them.
pub struct BlackHole {
    pub port: u16,
    pub accepted: Arc<Mutex<usize>>,
}

impl BlackHole {
    pub fn start() -> Self {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let accepted = Arc::new(Mutex::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for s in l.incoming().flatten() {
                *count.lock().unwrap() += 1;
                held.push(s);
            }
        });
        Self { port, accepted }
    }
}

/// Runs `f`, asserting it fails as unreachable within `limit`.
pub fn assert_unreachable_within<T: std::fmt::Debug>(
    limit: Duration,
    secrets: &[&Secret],
    f: impl FnOnce() -> Result<T, Error>,
) {
    let start = Instant::now();
    let e = f().unwrap_err();
    let took = start.elapsed();
    assert_error(&e, "Rotation.InstanceUnreachable", secrets);
    assert!(took <= limit, "took {took:?}, more than {limit:?}: {e}");
}
