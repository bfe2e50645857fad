use std::sync::atomic::{AtomicI64, Ordering};

const NANOS: i128 = 1_000_000_000;

/// The source of "now", injectable so tests can move time.
pub trait Clock: Send + Sync + 'static {
    /// Current Unix time in whole seconds (rounded down).
    fn now(&self) -> i64;

    /// Current Unix time in nanoseconds, for comparisons that need the
    /// exact instant (a request's timestamp against the clock window).
    fn now_nanos(&self) -> i128 {
        i128::from(self.now()) * NANOS
    }
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl SystemClock {
    fn since_epoch() -> std::time::Duration {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        i64::try_from(Self::since_epoch().as_secs()).unwrap_or(i64::MAX)
    }

    fn now_nanos(&self) -> i128 {
        i128::try_from(Self::since_epoch().as_nanos()).unwrap_or(i128::MAX)
    }
}

/// A clock that only moves when told to (tests), to the nanosecond.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock stopped at `now` (whole seconds).
    pub fn new(now: i64) -> Self {
        Self(AtomicI64::new(now.saturating_mul(1_000_000_000)))
    }

    /// Moves the clock forward by `secs`.
    pub fn advance(&self, secs: i64) {
        self.advance_nanos(secs.saturating_mul(1_000_000_000));
    }

    /// Moves the clock forward by `nanos` nanoseconds.
    pub fn advance_nanos(&self, nanos: i64) {
        self.0.fetch_add(nanos, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst).div_euclid(1_000_000_000)
    }

    fn now_nanos(&self) -> i128 {
        i128::from(self.0.load(Ordering::SeqCst))
    }
}

/// The test mode's clock: the wall clock plus an offset in whole seconds
/// that only moves forward (`rampart serve --test-mode`). Time keeps running
/// between advances.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset: AtomicI64,
}

impl OffsetClock {
    /// A clock `offset` seconds ahead of the wall clock.
    pub fn new(offset: i64) -> Self {
        Self {
            offset: AtomicI64::new(offset.max(0)),
        }
    }

    /// Seconds ahead of the wall clock.
    pub fn offset(&self) -> i64 {
        self.offset.load(Ordering::SeqCst)
    }

    /// Sets the offset (negative values count as 0).
    pub fn set_offset(&self, secs: i64) {
        self.offset.store(secs.max(0), Ordering::SeqCst);
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> i64 {
        SystemClock.now().saturating_add(self.offset())
    }

    fn now_nanos(&self) -> i128 {
        SystemClock.now_nanos() + i128::from(self.offset()) * NANOS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_clock_runs_ahead_of_the_wall_clock() {
        let c = OffsetClock::new(3600);
        let wall = SystemClock.now();
        let now = c.now();
        assert!((now - wall - 3600).abs() <= 1, "{now} vs {wall}");
        c.set_offset(-5);
        assert_eq!(c.offset(), 0);
        let n = c.now_nanos();
        assert!((n - SystemClock.now_nanos()).abs() < NANOS);
    }
}
