//! The write generation of a store shared by several replicas.
//!
//! Every write transaction that changed rows sends `NOTIFY
//! rampart_generation` before it commits; PostgreSQL delivers the
//! notification to every listening session once (and only if) the
//! transaction commits. Each replica keeps one connection listening: a
//! notification moves its generation, and so do its own committed writes
//! (at once, before the write returns). A replica reports its generation
//! ([`crate::AccountStore::generation`]) only while the listening
//! connection is known to be alive: it is checked every [`HEARTBEAT`] with
//! a round trip, and the generation is trusted for [`STALENESS`] after the
//! start of the last check that succeeded. Notifications committed before
//! a check started arrive before its answer, so a write committed on
//! another replica is seen by every read that starts more than
//! [`STALENESS`] after its commit, whatever happens to the network; in
//! practice the notification arrives within a millisecond of the commit.
//! While the connection is down, no generation is reported (nothing is
//! cached) and the generation moves when listening resumes.
//!
//! A replica's write returns only once its own notification has come back
//! to it (or after [`ECHO_WAIT`]): PostgreSQL signals every listener at the
//! same commit, so by the time the writer answers, the other replicas have
//! almost always heard it too, and the client's next request, wherever it
//! goes, sees the write.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::Client;

/// The channel the write transactions notify.
pub(crate) const CHANNEL: &str = "rampart_generation";
/// How often the listening connection is checked.
pub(crate) const HEARTBEAT: Duration = Duration::from_millis(100);
/// How long after the start of the last successful check the generation is
/// trusted: the bound on how stale a cached read can be.
pub const STALENESS: Duration = Duration::from_millis(300);
/// How long a check may take before the connection is given up.
const CHECK_TIMEOUT: Duration = Duration::from_millis(250);
/// The longest a write waits for its own notification to come back.
const ECHO_WAIT: Duration = Duration::from_millis(50);
/// Pause before listening again after a failure.
const RECONNECT: Duration = Duration::from_millis(200);

/// The generation and how long it may be trusted.
#[derive(Debug)]
pub(crate) struct Generation {
    value: AtomicU64,
    /// Nanoseconds after `base` until which `value` may be trusted.
    valid_until: AtomicU64,
    base: Instant,
    stop: AtomicBool,
    /// This replica's tag in the notifications it sends.
    replica: String,
    /// The last sequence number sent, and the last one heard back.
    sent: AtomicU64,
    echoed: Mutex<u64>,
    echo: Condvar,
}

impl Generation {
    fn new() -> Self {
        Self {
            value: AtomicU64::new(0),
            valid_until: AtomicU64::new(0),
            base: Instant::now(),
            stop: AtomicBool::new(false),
            replica: {
                use std::hash::BuildHasher;
                let random = std::collections::hash_map::RandomState::new().hash_one(0u8);
                format!("{:x}.{random:016x}", std::process::id())
            },
            sent: AtomicU64::new(0),
            echoed: Mutex::new(0),
            echo: Condvar::new(),
        }
    }

    /// The statement a write transaction runs before it commits, and its
    /// sequence number for [`Self::wait_echo`].
    pub(crate) fn notify(&self) -> (String, u64) {
        let seq = self.sent.fetch_add(1, Ordering::AcqRel) + 1;
        (format!("NOTIFY {CHANNEL}, '{}:{seq}'", self.replica), seq)
    }

    /// After the commit of the write `seq`: waits (at most [`ECHO_WAIT`])
    /// until its notification has come back, while listening works.
    pub(crate) fn wait_echo(&self, seq: u64) {
        if self.current().is_none() {
            return;
        }
        let deadline = Instant::now() + ECHO_WAIT;
        let mut echoed = self.echoed.lock().unwrap_or_else(|e| e.into_inner());
        while *echoed < seq {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            echoed = match self.echo.wait_timeout(echoed, left) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
    }

    /// A notification arrived with `payload`.
    fn heard(&self, payload: &str) {
        self.bump();
        let own = payload
            .split_once(':')
            .filter(|(replica, _)| *replica == self.replica)
            .and_then(|(_, seq)| seq.parse::<u64>().ok());
        if let Some(seq) = own {
            let mut echoed = self.echoed.lock().unwrap_or_else(|e| e.into_inner());
            *echoed = (*echoed).max(seq);
            self.echo.notify_all();
        }
    }

    fn nanos(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_nanos()).unwrap_or(u64::MAX)
    }

    /// The generation, if the listening connection vouches for it.
    pub(crate) fn current(&self) -> Option<u64> {
        let value = self.value.load(Ordering::Acquire);
        (self.nanos(Instant::now()) < self.valid_until.load(Ordering::Acquire)).then_some(value)
    }

    /// A write committed: what was read before is stale.
    pub(crate) fn bump(&self) {
        self.value.fetch_add(1, Ordering::AcqRel);
    }

    fn distrust(&self) {
        self.valid_until.store(0, Ordering::Release);
    }

    fn trust_from(&self, check_started: Instant) {
        let until = self.nanos(check_started + STALENESS);
        self.valid_until.store(until, Ordering::Release);
    }

    /// Stops the listening thread (within [`HEARTBEAT`]).
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        self.distrust();
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }
}

/// Starts the listening thread; `connect` opens a connection.
pub(crate) fn start(
    connect: impl Fn() -> Result<Client, postgres::Error> + Send + 'static,
) -> std::io::Result<Arc<Generation>> {
    let generation = Arc::new(Generation::new());
    let shared = generation.clone();
    std::thread::Builder::new()
        .name("pg-listen".into())
        .spawn(move || {
            while !shared.stopped() {
                if let Ok(client) = connect() {
                    listen(&shared, client);
                }
                shared.distrust();
                if !shared.stopped() {
                    std::thread::sleep(RECONNECT);
                }
            }
        })?;
    Ok(generation)
}

/// Listens on `client` until it fails or the store stops.
fn listen(g: &Generation, mut client: Client) {
    if client.batch_execute(&format!("LISTEN {CHANNEL}")).is_err() {
        return;
    }
    // Writes made while nobody listened were not heard.
    g.bump();
    while !g.stopped() {
        let started = Instant::now();
        if client.is_valid(CHECK_TIMEOUT).is_err() {
            return;
        }
        // The notifications that arrived before the answer.
        loop {
            match client.notifications().iter().next() {
                Ok(Some(n)) => g.heard(n.payload()),
                Ok(None) => break,
                Err(_) => return,
            }
        }
        g.trust_from(started);
        let deadline = started + HEARTBEAT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match client.notifications().timeout_iter(left).next() {
                Ok(Some(n)) => g.heard(n.payload()),
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
}
