//! The audit trail: one record per API call and per action Rampart takes on
//! its own (rotation steps as the service-role session). Never holds secret
//! values or AccessKey secrets.

use crate::StoreResult;

/// One audited event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditEvent {
    /// Unique id.
    pub event_id: String,
    /// Unix seconds.
    pub event_time: i64,
    /// The action (`CreateAccessKey`).
    pub event_name: String,
    /// The product code (`Ram`, `Sts`, `Kms`, `Actiontrail`).
    pub service_name: String,
    /// `ram.aliyuncs.com`, …
    pub event_source: String,
    /// `root-account`, `ram-user`, `assumed-role`, `service`, or empty when unauthenticated.
    pub identity_type: String,
    /// The caller's ARN.
    pub principal_arn: String,
    /// User name, role/session, or service name.
    pub user_name: String,
    /// The AccessKeyId that signed, if any.
    pub access_key_id: String,
    /// Source IP.
    pub source_ip: String,
    /// `User-Agent`.
    pub user_agent: String,
    /// The resource ARN the call was authorized on.
    pub resource_name: String,
    /// `Read` or `Write`.
    pub event_rw: String,
    /// Error code, empty on success.
    pub error_code: String,
    /// Error message, empty on success.
    pub error_message: String,
    /// The request id.
    pub request_id: String,
}

/// A query of the trail: time range, optional equality filters, newest
/// first, keyset paging by `(event_time, event_id)`.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// From (inclusive).
    pub start: i64,
    /// To (inclusive).
    pub end: i64,
    /// Only this action.
    pub event_name: Option<String>,
    /// Only this user name.
    pub user_name: Option<String>,
    /// Only this resource.
    pub resource_name: Option<String>,
    /// Only this AccessKeyId.
    pub access_key_id: Option<String>,
    /// Only `Read` or `Write`.
    pub event_rw: Option<String>,
    /// Only this product.
    pub service_name: Option<String>,
    /// Resume strictly before this `(time, id)`.
    pub before: Option<(i64, String)>,
    /// Most events to return.
    pub limit: u32,
    /// Most events of the range a filtered query examines; 0:
    /// [`AUDIT_SCAN_BOUND`].
    pub scan_bound: u32,
}

/// Most events of the time range one filtered query examines: a filter
/// matching few of many events costs a bounded scan a call, and the caller
/// resumes where it stopped.
pub const AUDIT_SCAN_BOUND: u32 = 10_000;

/// A page of the trail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditPage {
    /// The events, newest first.
    pub events: Vec<AuditEvent>,
    /// Set when the scan stopped at its bound before filling
    /// the page: the next query resumes strictly before this `(time, id)`.
    pub scanned_to: Option<(i64, String)>,
}

/// The audit trail's storage.
pub trait AuditStore {
    /// Appends events (one transaction).
    fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()>;
    /// Events matching `q`, newest first. With filters, at most
    /// `q.scan_bound` events of the range are examined a call: the page
    /// then says where the next call resumes.
    fn lookup_audit(&self, q: &AuditQuery) -> StoreResult<AuditPage>;
    /// Deletes up to `limit` events older than `before` (`event_time <
    /// before`), oldest first, in one transaction; returns how many it
    /// deleted (retention: call again while it returns `limit`).
    fn delete_audit_before(&self, before: i64, limit: u32) -> StoreResult<u64>;
}
