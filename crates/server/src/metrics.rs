//! `GET /metrics` in the Prometheus text format.
//!
//! Labels never carry raw request text: a product label is one of the
//! products served (or `Unknown`), an action label an action of that
//! product's table (or `other`, or `-` when none was decoded), a code label
//! a short code (or `other`); and at most [`MAX_REQUEST_SERIES`] label sets
//! are kept, further ones being counted under `other`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Most distinct `(product, action, code)` label sets of
/// `rampart_requests_total`.
pub const MAX_REQUEST_SERIES: usize = 2000;
/// Longest code label; a longer code (or one with other characters than
/// letters, digits, `.`, `_` and `-`) is counted as `other`.
pub const MAX_CODE_LABEL_BYTES: usize = 64;

/// The implemented actions of each product, by product code.
fn action_names() -> &'static HashMap<&'static str, HashMap<&'static str, &'static str>> {
    static NAMES: OnceLock<HashMap<&'static str, HashMap<&'static str, &'static str>>> =
        OnceLock::new();
    NAMES.get_or_init(|| {
        rampart_gateway::Product::all()
            .into_iter()
            .map(|p| {
                let names = rampart_gateway::action_table(p)
                    .iter()
                    .map(|spec| (spec.name, spec.name))
                    .collect();
                (p.code(), names)
            })
            .collect()
    })
}

/// The product label: a product served, or `Unknown`.
fn product_label(product: &str) -> &'static str {
    action_names()
        .get_key_value(product)
        .map_or("Unknown", |(code, _)| code)
}

/// An action name fit for a label or a log line: an action of `product`'s
/// table, `-` for none, else `other`.
pub fn known_action(product: Option<&str>, action: &str) -> &'static str {
    if action == "-" {
        return "-";
    }
    product
        .and_then(|p| action_names().get(p))
        .and_then(|names| names.get(action).copied())
        .unwrap_or("other")
}

/// A code fit for a label, else `other`.
fn code_label(code: &str) -> &str {
    let ok = !code.is_empty()
        && code.len() <= MAX_CODE_LABEL_BYTES
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        code
    } else {
        "other"
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    product: Cow<'static, str>,
    action: Cow<'static, str>,
    code: Cow<'static, str>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProductLabel {
    product: Cow<'static, str>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: String,
}

/// The server's metrics.
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<ProductLabel, Histogram>,
    rotations: Family<ResultLabel, Counter>,
    lag_ms: Gauge<i64, std::sync::atomic::AtomicI64>,
    store_errors: Counter<u64, AtomicU64>,
    audit_events: Counter,
    audit_dropped: Counter<u64, AtomicU64>,
    seen_store_errors: AtomicU64,
    seen_audit_dropped: AtomicU64,
    /// The label sets of `requests` so far (at most [`MAX_REQUEST_SERIES`]).
    series: RwLock<HashSet<RequestLabels>>,
}

impl Metrics {
    /// A registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "rampart_requests",
            "API requests by product, action and result code",
            requests.clone(),
        );
        let latency = Family::<ProductLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 14))
        });
        registry.register(
            "rampart_request_duration_seconds",
            "API request latency",
            latency.clone(),
        );
        let rotations = Family::<ResultLabel, Counter>::default();
        registry.register(
            "rampart_rotations",
            "RAM secret rotation work: rotated, previous key deleted (finished), failed",
            rotations.clone(),
        );
        let lag_ms = Gauge::<i64, std::sync::atomic::AtomicI64>::default();
        registry.register(
            "rampart_scheduler_lag_milliseconds",
            "How late the last scheduler pass finished after its tick",
            lag_ms.clone(),
        );
        let store_errors = Counter::<u64, AtomicU64>::default();
        registry.register(
            "rampart_store_errors",
            "Internal errors of the store or crypto layers",
            store_errors.clone(),
        );
        let audit_events = Counter::default();
        registry.register(
            "rampart_audit_events",
            "Audit events written",
            audit_events.clone(),
        );
        let audit_dropped = Counter::<u64, AtomicU64>::default();
        registry.register(
            "rampart_audit_events_dropped",
            "Audit events not recorded: unauthenticated calls over their rate, or a full buffer",
            audit_dropped.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            requests,
            latency,
            rotations,
            lag_ms,
            store_errors,
            audit_events,
            audit_dropped,
            seen_store_errors: AtomicU64::new(0),
            seen_audit_dropped: AtomicU64::new(0),
            series: RwLock::new(HashSet::new()),
        }
    }

    /// Counts a request. Labels are bounded (see the module doc).
    pub fn request(&self, product: &str, action: &str, code: &str, seconds: f64) {
        // Labels of known names borrow them: counting a request that
        // succeeded allocates nothing.
        let product = product_label(product);
        let code = match code_label(code) {
            "OK" => Cow::Borrowed("OK"),
            "other" => Cow::Borrowed("other"),
            c => Cow::Owned(c.to_string()),
        };
        let mut labels = RequestLabels {
            product: Cow::Borrowed(product),
            action: Cow::Borrowed(known_action(Some(product), action)),
            code,
        };
        let known = self
            .series
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&labels);
        if !known {
            let mut series = self.series.write().unwrap_or_else(|e| e.into_inner());
            if series.len() < MAX_REQUEST_SERIES {
                series.insert(labels.clone());
            } else if !series.contains(&labels) {
                labels.action = Cow::Borrowed("other");
                labels.code = Cow::Borrowed("other");
            }
        }
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&ProductLabel {
                product: Cow::Borrowed(product),
            })
            .observe(seconds);
    }

    /// Counts a scheduler pass.
    pub fn rotation_pass(&self, rotated: usize, finished: usize, failed: usize, lag_ms: i64) {
        for (result, n) in [
            ("rotated", rotated),
            ("finished", finished),
            ("failed", failed),
        ] {
            self.rotations
                .get_or_create(&ResultLabel {
                    result: result.into(),
                })
                .inc_by(n as u64);
        }
        self.lag_ms.set(lag_ms);
    }

    /// Counts written audit events.
    pub fn audit(&self, n: usize) {
        self.audit_events.inc_by(n as u64);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let total = rampart_core::INTERNAL_ERRORS.load(Ordering::Relaxed);
        let seen = self.seen_store_errors.swap(total, Ordering::Relaxed);
        self.store_errors.inc_by(total.saturating_sub(seen));
        let dropped = rampart_core::audit::DROPPED_EVENTS.load(Ordering::Relaxed);
        let seen = self.seen_audit_dropped.swap(dropped, Ordering::Relaxed);
        self.audit_dropped.inc_by(dropped.saturating_sub(seen));
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        if encode(&mut out, &registry).is_err() {
            tracing::warn!("could not encode metrics");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_bounded() {
        let m = Metrics::new();
        let huge = "A".repeat(1_500_000);
        for i in 0..50 {
            m.request(
                "Ram",
                &format!("{huge}{i}"),
                "InvalidAction.NotFound",
                0.001,
            );
            m.request(&format!("{huge}{i}"), "ListUsers", "OK", 0.001);
            m.request("Ram", "ListUsers", &format!("{huge}{i}"), 0.001);
            m.request("Ram", &format!("Nope{i}"), &format!("Code{i}"), 0.001);
        }
        m.request("Ram", "ListUsers", "OK", 0.001);
        m.request("Kms", "GetSecretValue", "Forbidden.NoPermission", 0.001);
        let out = m.render();
        assert!(out.len() < 20_000, "{}", out.len());
        assert!(
            out.contains(r#"product="Ram",action="ListUsers",code="OK""#),
            "{out}"
        );
        assert!(out.contains(r#"action="GetSecretValue",code="Forbidden.NoPermission""#));
        assert!(out.contains(r#"product="Unknown",action="other""#));
        assert!(!out.contains("Nope"));
    }

    #[test]
    fn series_are_capped() {
        let m = Metrics::new();
        for i in 0..(MAX_REQUEST_SERIES + 500) {
            m.request("Ram", "ListUsers", &format!("Code{i}"), 0.001);
        }
        let out = m.render();
        let lines = out
            .lines()
            .filter(|l| l.starts_with("rampart_requests_total{"))
            .count();
        assert_eq!(lines, MAX_REQUEST_SERIES + 1, "the cap and `other`");
        assert!(out.contains(r#"action="other",code="other""#));
    }
}
