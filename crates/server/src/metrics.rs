//! `GET /metrics` in the Prometheus text format.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    product: String,
    action: String,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProductLabel {
    product: String,
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
    seen_store_errors: AtomicU64,
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
        Self {
            registry: Mutex::new(registry),
            requests,
            latency,
            rotations,
            lag_ms,
            store_errors,
            audit_events,
            seen_store_errors: AtomicU64::new(0),
        }
    }

    /// Counts a request.
    pub fn request(&self, product: &str, action: &str, code: &str, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                product: product.to_string(),
                action: action.to_string(),
                code: code.to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&ProductLabel {
                product: product.to_string(),
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
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        if encode(&mut out, &registry).is_err() {
            tracing::warn!("could not encode metrics");
        }
        out
    }
}
