//! The audit trail: every API call and every action Rampart takes on its own
//! (rotation steps as the service-role session). Events are buffered in
//! memory and written in batches by [`Rampart::flush_audit`] (the server
//! flushes every 250 ms and at shutdown), to the store and, when configured,
//! as JSON lines to a file or stdout. Request parameters are never recorded,
//! so secret values and AccessKey secrets cannot reach the trail.

use std::io::Write;
use std::sync::Mutex;

use rampart_store::{AuditEvent, AuditQuery};
use serde_json::{json, Value};

use crate::time::format as ts;
use crate::{ApiError, Principal, Rampart};

/// Buffered events and the optional JSON-lines sink.
#[derive(Default)]
pub struct AuditSink {
    buf: Mutex<Vec<AuditEvent>>,
    lines: Mutex<Option<Box<dyn Write + Send>>>,
}

impl std::fmt::Debug for AuditSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditSink")
    }
}

/// `Read` for queries, `Write` for changes.
pub fn event_rw(action: &str) -> &'static str {
    const READS: [&str; 7] = [
        "Get", "List", "Describe", "Lookup", "BatchGet", "Query", "Decrypt",
    ];
    if READS.iter().any(|p| action.starts_with(p)) {
        "Read"
    } else {
        "Write"
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

/// The ActionTrail form of an event (its field names).
pub fn event_json(e: &AuditEvent, account_id: &str, region: &str) -> Value {
    let mut v = json!({
        "eventId": e.event_id,
        "eventVersion": "1",
        "eventSource": e.event_source,
        "eventName": e.event_name,
        "eventTime": ts(e.event_time),
        "eventType": "ApiCall",
        "eventRW": e.event_rw,
        "acsRegion": region,
        "requestId": e.request_id,
        "sourceIpAddress": e.source_ip,
        "userAgent": e.user_agent,
        "serviceName": e.service_name,
        "resourceName": e.resource_name,
        "userIdentity": {
            "type": e.identity_type,
            "principalId": e.principal_arn,
            "accountId": account_id,
            "accessKeyId": e.access_key_id,
            "userName": e.user_name,
        },
    });
    if let (false, Value::Object(o)) = (e.error_code.is_empty(), &mut v) {
        o.insert("errorCode".into(), e.error_code.clone().into());
        o.insert("errorMessage".into(), e.error_message.clone().into());
    }
    v
}

impl Rampart {
    /// Also writes every event as a JSON line to `w` (`--audit-log`).
    pub fn set_audit_lines(&self, w: Box<dyn Write + Send>) {
        *self.audit.lines.lock().unwrap_or_else(|e| e.into_inner()) = Some(w);
    }

    /// Buffers an event.
    pub fn record(&self, e: AuditEvent) {
        self.audit
            .buf
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(e);
    }

    /// Records an action a principal took through Rampart itself (no request).
    pub fn record_internal(
        &self,
        principal: &Principal,
        service: &str,
        action: &str,
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
            event_rw: event_rw(short).to_string(),
            error_code: error.map(|e| e.code.to_string()).unwrap_or_default(),
            error_message: error.map(|e| e.message.clone()).unwrap_or_default(),
            request_id: uuid::Uuid::new_v4().to_string().to_uppercase(),
        });
    }

    /// Writes buffered events to the store (and the JSON-lines sink); returns how many.
    pub fn flush_audit(&self) -> Result<usize, ApiError> {
        let events: Vec<AuditEvent> =
            std::mem::take(&mut *self.audit.buf.lock().unwrap_or_else(|e| e.into_inner()));
        if events.is_empty() {
            return Ok(0);
        }
        if let Err(e) = self.store.append_audit(&events) {
            // Put them back so the next flush retries.
            let mut buf = self.audit.buf.lock().unwrap_or_else(|e| e.into_inner());
            let mut again = events;
            again.append(&mut buf);
            *buf = again;
            return Err(ApiError::internal(e));
        }
        if let Some(w) = self
            .audit
            .lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
        {
            for e in &events {
                let line = event_json(e, &self.account_id, &self.settings.region);
                if writeln!(w, "{line}").is_err() {
                    tracing::warn!("could not write to the audit log");
                    break;
                }
            }
            let _ = w.flush();
        }
        Ok(events.len())
    }

    /// Queries the trail (ActionTrail `LookupEvents`).
    pub fn lookup_events(&self, q: &AuditQuery) -> Result<Vec<AuditEvent>, ApiError> {
        self.store.lookup_audit(q).map_err(ApiError::internal)
    }
}
