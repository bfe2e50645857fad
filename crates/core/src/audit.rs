//! The audit trail: every API call and every action Rampart takes on its own
//! (rotation steps as the service-role session). Events are buffered in
//! memory and written in batches by [`Rampart::flush_audit`] (the server
//! flushes every 250 ms and at shutdown), to the store and, when configured,
//! as JSON lines to a file or stdout. A call that changes something waits
//! for its event to be written ([`Rampart::record_durable`]): calls made at
//! the same time share one write (group commit), so their records are in
//! the store before their answers leave, at the cost of one transaction per
//! group; reads stay batched. Request parameters are never recorded,
//! so secret values and AccessKey secrets cannot reach the trail.
//!
//! What a caller without credentials can put in the trail is bounded: every
//! field is cut to a fixed length, events without a principal (unsigned or
//! badly signed calls) are recorded at most
//! [`UNAUTHENTICATED_EVENTS_PER_SECOND`] a second on average, and at most
//! [`MAX_BUFFERED_EVENTS`] wait for a flush. Events over a bound are counted
//! in [`DROPPED_EVENTS`] instead.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rampart_store::{AuditEvent, AuditQuery};
use serde::Serialize;

use crate::time::format as ts;
use crate::{ApiError, Principal, Rampart};

/// Longest id, name, code or address kept in an event field, in bytes.
pub const MAX_NAME_BYTES: usize = 128;
/// Longest ARN, user name, resource name or user agent kept, in bytes.
pub const MAX_TEXT_BYTES: usize = 512;
/// Longest error message kept, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 1024;
/// Most events waiting in memory for the next flush; more are dropped
/// (while the store cannot be written, say).
pub const MAX_BUFFERED_EVENTS: usize = 50_000;
/// Events without a principal recorded a second, on average.
pub const UNAUTHENTICATED_EVENTS_PER_SECOND: u32 = 20;
/// Events without a principal recorded in a burst.
pub const UNAUTHENTICATED_EVENTS_BURST: u32 = 1000;
/// Events deleted in one transaction by [`Rampart::purge_audit`].
pub const PURGE_BATCH: u32 = 5000;

/// Events not recorded because of a bound, since the process started.
pub static DROPPED_EVENTS: AtomicU64 = AtomicU64::new(0);

/// A token bucket for events without a principal.
struct Bucket {
    tokens: f64,
    last: Option<Instant>,
}

impl Bucket {
    fn take(&mut self, now: Instant) -> bool {
        let rate = f64::from(UNAUTHENTICATED_EVENTS_PER_SECOND);
        let burst = f64::from(UNAUTHENTICATED_EVENTS_BURST);
        if let Some(last) = self.last {
            let refill = now.saturating_duration_since(last).as_secs_f64() * rate;
            self.tokens = (self.tokens + refill).min(burst);
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Events waiting to be written, and the sequence number of the last one
/// buffered.
#[derive(Default)]
struct Pending {
    events: Vec<AuditEvent>,
    last: u64,
}

/// Buffered events and the optional JSON-lines sink.
pub struct AuditSink {
    buf: Mutex<Pending>,
    /// Held while a batch is written: batches are written in order.
    flushing: Mutex<()>,
    /// The sequence number of the last event written.
    flushed: AtomicU64,
    lines: Mutex<Option<Box<dyn Write + Send>>>,
    unauthenticated: Mutex<Bucket>,
    /// Dropped events not yet logged, and when they were last logged.
    dropped: Mutex<(u64, Option<Instant>)>,
}

impl Default for AuditSink {
    fn default() -> Self {
        Self {
            buf: Mutex::default(),
            flushing: Mutex::default(),
            flushed: AtomicU64::new(0),
            lines: Mutex::default(),
            unauthenticated: Mutex::new(Bucket {
                tokens: f64::from(UNAUTHENTICATED_EVENTS_BURST),
                last: None,
            }),
            dropped: Mutex::default(),
        }
    }
}

impl AuditSink {
    fn drop_event(&self) {
        DROPPED_EVENTS.fetch_add(1, Ordering::Relaxed);
        self.dropped.lock().unwrap_or_else(|e| e.into_inner()).0 += 1;
    }

    /// Logs dropped events, at most once a minute.
    fn log_dropped(&self) {
        let mut d = self.dropped.lock().unwrap_or_else(|e| e.into_inner());
        let due = d.1.is_none_or(|t| t.elapsed() >= Duration::from_secs(60));
        if d.0 > 0 && due {
            tracing::warn!(
                dropped = d.0,
                "audit events not recorded: over the bound for unauthenticated calls ({UNAUTHENTICATED_EVENTS_PER_SECOND}/s) or the buffer ({MAX_BUFFERED_EVENTS})"
            );
            *d = (0, Some(Instant::now()));
        }
    }
}

/// Cuts `s` to at most `max` bytes, at a character boundary.
fn bound(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

/// Cuts every field of an event to its bound.
pub fn bound_event(e: &mut AuditEvent) {
    for f in [
        &mut e.event_id,
        &mut e.event_name,
        &mut e.service_name,
        &mut e.event_source,
        &mut e.identity_type,
        &mut e.access_key_id,
        &mut e.source_ip,
        &mut e.event_rw,
        &mut e.error_code,
        &mut e.request_id,
    ] {
        bound(f, MAX_NAME_BYTES);
    }
    for f in [
        &mut e.principal_arn,
        &mut e.user_name,
        &mut e.user_agent,
        &mut e.resource_name,
    ] {
        bound(f, MAX_TEXT_BYTES);
    }
    bound(&mut e.error_message, MAX_MESSAGE_BYTES);
}

impl std::fmt::Debug for AuditSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditSink")
    }
}

/// How the audit trail classifies an event (`EventRW`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventRw {
    /// The call changed nothing.
    Read,
    /// The call changes (or would have changed) something.
    Write,
}

impl EventRw {
    /// `Read` or `Write`, as recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            EventRw::Read => "Read",
            EventRw::Write => "Write",
        }
    }

    /// The class of a request for an action Rampart does not serve (not
    /// implemented, or not an action of the product), which ran nothing:
    /// the product's naming convention is all there is to go by. Served
    /// actions declare theirs in their product's action table.
    pub fn of_unserved(action: &str) -> Self {
        const READS: [&str; 7] = [
            "Get", "List", "Describe", "Lookup", "BatchGet", "Query", "Decrypt",
        ];
        if READS.iter().any(|p| action.starts_with(p)) {
            EventRw::Read
        } else {
            EventRw::Write
        }
    }
}

/// Identity type and user name from a principal ARN.
pub fn identity_of(arn: &str) -> (&'static str, String) {
    if arn.ends_with(":root") {
        ("root-account", "root".into())
    } else if let Some((_, u)) = arn.split_once(":user/") {
        ("ram-user", u.into())
    } else if let Some((_, r)) = arn.split_once(":assumed-role/") {
        ("assumed-role", r.into())
    } else if arn.is_empty() {
        ("", String::new())
    } else {
        ("service", arn.into())
    }
}

/// An event as the audit trail writes it (`--audit-log` lines,
/// `LookupEvents`), in ActionTrail's field names.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRecord<'a> {
    event_id: &'a str,
    event_version: &'static str,
    event_source: &'a str,
    event_name: &'a str,
    event_time: String,
    event_type: &'static str,
    #[serde(rename = "eventRW")]
    event_rw: &'a str,
    acs_region: &'a str,
    request_id: &'a str,
    source_ip_address: &'a str,
    user_agent: &'a str,
    service_name: &'a str,
    resource_name: &'a str,
    user_identity: Identity<'a>,
    /// Only for a failed call, with its message.
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<&'a str>,
}

/// Who made the call, as ActionTrail's `userIdentity`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Identity<'a> {
    r#type: &'a str,
    principal_id: &'a str,
    account_id: &'a str,
    access_key_id: &'a str,
    user_name: &'a str,
}

/// `e` as the audit trail writes it.
pub fn event_record<'a>(
    e: &'a AuditEvent,
    account_id: &'a str,
    region: &'a str,
) -> EventRecord<'a> {
    let failed = !e.error_code.is_empty();
    EventRecord {
        event_id: &e.event_id,
        event_version: "1",
        event_source: &e.event_source,
        event_name: &e.event_name,
        event_time: ts(e.event_time),
        event_type: "ApiCall",
        event_rw: &e.event_rw,
        acs_region: region,
        request_id: &e.request_id,
        source_ip_address: &e.source_ip,
        user_agent: &e.user_agent,
        service_name: &e.service_name,
        resource_name: &e.resource_name,
        user_identity: Identity {
            r#type: &e.identity_type,
            principal_id: &e.principal_arn,
            account_id,
            access_key_id: &e.access_key_id,
            user_name: &e.user_name,
        },
        error_code: failed.then_some(e.error_code.as_str()),
        error_message: failed.then_some(e.error_message.as_str()),
    }
}

/// Events of an account, serialized as a list of their [`EventRecord`]s.
pub struct EventRecords {
    /// The events, in the order listed.
    pub events: Vec<AuditEvent>,
    /// The account they belong to.
    pub account_id: String,
    /// The region they were recorded in.
    pub region: String,
}

impl Serialize for EventRecords {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.events
                .iter()
                .map(|e| event_record(e, &self.account_id, &self.region)),
        )
    }
}

impl Rampart {
    /// Also writes every event as a JSON line to `w` (`--audit-log`).
    pub fn set_audit_lines(&self, w: Box<dyn Write + Send>) {
        *self.audit.lines.lock().unwrap_or_else(|e| e.into_inner()) = Some(w);
    }

    /// Buffers an event, its fields cut to their bounds. An event without
    /// a principal beyond [`UNAUTHENTICATED_EVENTS_PER_SECOND`], or beyond
    /// [`MAX_BUFFERED_EVENTS`] waiting, is counted in [`DROPPED_EVENTS`]
    /// instead.
    pub fn record(&self, e: AuditEvent) {
        self.buffer(e);
    }

    /// [`Self::record`], then waits until the event is in the store (its
    /// sequence number written by this flush or a concurrent one). An
    /// event over a bound is counted, not waited for.
    pub fn record_durable(&self, e: AuditEvent) -> Result<(), ApiError> {
        let Some(seq) = self.buffer(e) else {
            return Ok(());
        };
        // Waits for a flush (its own or another's) without stalling the
        // other tasks of a runtime worker it runs on.
        rampart_store::blocking(|| self.await_flush(seq))
    }

    fn await_flush(&self, seq: u64) -> Result<(), ApiError> {
        let _writing = self
            .audit
            .flushing
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if self.audit.flushed.load(Ordering::Acquire) >= seq {
            return Ok(());
        }
        self.flush_in_order()?;
        Ok(())
    }

    /// Buffers an event; its sequence number, or `None` if dropped.
    fn buffer(&self, mut e: AuditEvent) -> Option<u64> {
        if e.principal_arn.is_empty()
            && !self
                .audit
                .unauthenticated
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(Instant::now())
        {
            self.audit.drop_event();
            return None;
        }
        bound_event(&mut e);
        let mut buf = self.audit.buf.lock().unwrap_or_else(|e| e.into_inner());
        if buf.events.len() >= MAX_BUFFERED_EVENTS {
            drop(buf);
            self.audit.drop_event();
            return None;
        }
        buf.events.push(e);
        buf.last += 1;
        Some(buf.last)
    }

    /// Deletes the events older than `retention` seconds, in transactions
    /// of [`PURGE_BATCH`] events; returns how many. A pass stops after 100
    /// batches; the next pass goes on.
    pub fn purge_audit(&self, retention: u64) -> Result<u64, ApiError> {
        let cut = self
            .now()
            .saturating_sub(i64::try_from(retention).unwrap_or(i64::MAX));
        let mut total = 0;
        for _ in 0..100 {
            let n = self
                .store
                .delete_audit_before(cut, PURGE_BATCH)
                .map_err(ApiError::internal)?;
            total += n;
            if n < u64::from(PURGE_BATCH) {
                break;
            }
        }
        Ok(total)
    }

    /// Records an action a principal took through Rampart itself (no request).
    pub fn record_internal(
        &self,
        principal: &Principal,
        service: &str,
        action: &str,
        rw: EventRw,
        resource: &str,
        error: Option<&ApiError>,
    ) {
        let arn = principal.arn();
        let (itype, user) = identity_of(&arn);
        let short = action.split_once(':').map(|(_, a)| a).unwrap_or(action);
        self.record(AuditEvent {
            event_id: uuid::Uuid::now_v7().to_string(),
            event_time: self.now(),
            event_name: short.to_string(),
            service_name: service.to_string(),
            event_source: format!("{}.aliyuncs.com", service.to_ascii_lowercase()),
            identity_type: itype.to_string(),
            principal_arn: arn.clone(),
            user_name: user,
            access_key_id: principal.access_key_id().to_string(),
            source_ip: String::new(),
            user_agent: "kms.aliyuncs.com".into(),
            resource_name: resource.to_string(),
            event_rw: rw.as_str().to_string(),
            error_code: error.map(|e| e.code.to_string()).unwrap_or_default(),
            error_message: error.map(|e| e.message.clone()).unwrap_or_default(),
            request_id: uuid::Uuid::new_v4().to_string().to_uppercase(),
        });
    }

    /// Writes buffered events to the store (and the JSON-lines sink); returns how many.
    pub fn flush_audit(&self) -> Result<usize, ApiError> {
        self.audit.log_dropped();
        let _writing = self
            .audit
            .flushing
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        self.flush_in_order()
    }

    /// Writes the buffered events, holding `flushing`.
    fn flush_in_order(&self) -> Result<usize, ApiError> {
        let (events, last) = {
            let mut buf = self.audit.buf.lock().unwrap_or_else(|e| e.into_inner());
            (std::mem::take(&mut buf.events), buf.last)
        };
        if events.is_empty() {
            self.audit.flushed.fetch_max(last, Ordering::AcqRel);
            return Ok(0);
        }
        if let Err(e) = self.store.append_audit(&events) {
            // Put them back so the next flush retries.
            let mut buf = self.audit.buf.lock().unwrap_or_else(|e| e.into_inner());
            let mut again = events;
            again.append(&mut buf.events);
            if again.len() > MAX_BUFFERED_EVENTS {
                let over = again.len() - MAX_BUFFERED_EVENTS;
                again.truncate(MAX_BUFFERED_EVENTS);
                DROPPED_EVENTS.fetch_add(over as u64, Ordering::Relaxed);
            }
            buf.events = again;
            return Err(ApiError::internal(e));
        }
        self.audit.flushed.fetch_max(last, Ordering::AcqRel);
        if let Some(w) = self
            .audit
            .lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
        {
            for e in &events {
                let record = event_record(e, &self.account_id, &self.settings.region);
                if serde_json::to_writer(&mut *w, &record).is_err() || writeln!(w).is_err() {
                    tracing::warn!("could not write to the audit log");
                    break;
                }
            }
            let _ = w.flush();
        }
        Ok(events.len())
    }

    /// Queries the trail (ActionTrail `LookupEvents`).
    pub fn lookup_events(&self, q: &AuditQuery) -> Result<rampart_store::AuditPage, ApiError> {
        self.store.lookup_audit(q).map_err(ApiError::internal)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rampart_crypto::Keyring;
    use rampart_store::{SqliteStore, Store};

    use super::*;
    use crate::{ManualClock, Settings};

    fn rampart(dir: &tempfile::TempDir, now: i64) -> (Rampart, Arc<ManualClock>) {
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open(&dir.path().join("db.sqlite")).unwrap());
        let keyring = Keyring::for_tests();
        crate::account::initialize(store.as_ref(), &keyring, now).unwrap();
        let clock = Arc::new(ManualClock::new(now));
        let r = Rampart::open(store, keyring, clock.clone(), Settings::default()).unwrap();
        (r, clock)
    }

    fn all(r: &Rampart) -> Vec<AuditEvent> {
        r.lookup_events(&AuditQuery {
            start: 0,
            end: i64::MAX,
            limit: 10_000,
            ..Default::default()
        })
        .unwrap()
        .events
    }

    fn signed(id: &str, t: i64) -> AuditEvent {
        AuditEvent {
            event_id: id.into(),
            event_time: t,
            event_name: "ListUsers".into(),
            principal_arn: "acs:ram::1:root".into(),
            ..Default::default()
        }
    }

    #[test]
    fn fields_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let (r, _) = rampart(&dir, 1000);
        let huge = "é".repeat(1_000_000);
        r.record(AuditEvent {
            event_id: "e1".into(),
            event_time: 1000,
            event_name: huge.clone(),
            user_agent: huge.clone(),
            source_ip: huge.clone(),
            resource_name: huge.clone(),
            error_message: huge.clone(),
            principal_arn: huge,
            ..Default::default()
        });
        r.flush_audit().unwrap();
        let e = &all(&r)[0];
        assert_eq!(e.event_name.len(), MAX_NAME_BYTES);
        assert_eq!(e.source_ip.len(), MAX_NAME_BYTES);
        assert_eq!(e.user_agent.len(), MAX_TEXT_BYTES);
        assert_eq!(e.principal_arn.len(), MAX_TEXT_BYTES);
        assert_eq!(e.resource_name.len(), MAX_TEXT_BYTES);
        assert_eq!(e.error_message.len(), MAX_MESSAGE_BYTES);
        let mut odd = "a".repeat(MAX_NAME_BYTES - 1) + "é";
        bound(&mut odd, MAX_NAME_BYTES);
        assert_eq!(odd.len(), MAX_NAME_BYTES - 1, "cut at a character boundary");
    }

    #[test]
    fn unauthenticated_events_are_rate_limited() {
        let dir = tempfile::tempdir().unwrap();
        let (r, _) = rampart(&dir, 1000);
        let before = DROPPED_EVENTS.load(Ordering::Relaxed);
        let n = UNAUTHENTICATED_EVENTS_BURST as usize * 3;
        for i in 0..n {
            r.record(AuditEvent {
                event_id: format!("u{i:06}"),
                event_time: 1000,
                ..Default::default()
            });
            r.record(signed(&format!("s{i:06}"), 1000));
        }
        r.flush_audit().unwrap();
        let events = all(&r);
        let unauth = events.iter().filter(|e| e.principal_arn.is_empty()).count();
        assert!(unauth >= UNAUTHENTICATED_EVENTS_BURST as usize, "{unauth}");
        assert!(unauth < n / 2, "{unauth}");
        assert_eq!(events.len() - unauth, n, "signed calls are all recorded");
        assert!(DROPPED_EVENTS.load(Ordering::Relaxed) - before >= (n - unauth) as u64);
    }

    #[test]
    fn durable_events_are_written_before_record_durable_returns() {
        let dir = tempfile::tempdir().unwrap();
        let (r, _) = rampart(&dir, 1000);
        r.record(signed("read", 1000));
        r.record_durable(signed("write", 1000)).unwrap();
        // The write and everything buffered before it, without a flush.
        let mut ids: Vec<String> = all(&r).into_iter().map(|e| e.event_id).collect();
        ids.sort();
        assert_eq!(ids, ["read", "write"]);
        // Concurrent writers share flushes and all end up written.
        let r = Arc::new(r);
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let r = r.clone();
                std::thread::spawn(move || {
                    for i in 0..20 {
                        r.record_durable(signed(&format!("w{t}-{i}"), 1000))
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(all(&r).len(), 2 + 8 * 20);
        assert_eq!(r.flush_audit().unwrap(), 0);
    }

    #[test]
    fn purge_deletes_only_old_events() {
        let dir = tempfile::tempdir().unwrap();
        let (r, clock) = rampart(&dir, 100_000);
        for i in 0..(PURGE_BATCH as i64 * 2 + 10) {
            r.record(signed(&format!("old{i:06}"), 1000 + i % 50));
        }
        r.record(signed("recent", 99_000));
        r.flush_audit().unwrap();
        assert_eq!(
            r.purge_audit(2000).unwrap(),
            u64::from(PURGE_BATCH) * 2 + 10
        );
        let left = all(&r);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].event_id, "recent");
        clock.advance(2000);
        assert_eq!(r.purge_audit(2000).unwrap(), 1);
        assert!(all(&r).is_empty());
    }
}
