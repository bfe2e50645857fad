#![expect(
    clippy::unwrap_used,
    reason = "a benchmark aborts on a broken workload"
)]

//! Decisions per second for a RAM user with 1, 10 and 100 attached policies,
//! Rampart against Cedar on the same decisions; then the ratio and the p99
//! latency of single decisions at 100 policies, measured with a timed loop.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use rampart_policy_bench::workload;

const SIZES: [usize; 3] = [1, 10, 100];

fn criterion_benches(c: &mut Criterion) {
    for n in SIZES {
        let w = workload(n).unwrap();
        w.check_agreement().unwrap();
        let named = w.named();
        let calls = w.calls.len();
        let mut group = c.benchmark_group(format!("{n}_policies"));
        group.throughput(Throughput::Elements(calls as u64));
        group.bench_function("rampart", |b| {
            b.iter(|| {
                (0..calls)
                    .filter(|&k| w.rampart(&named, black_box(k)).is_allowed())
                    .count()
            });
        });
        group.bench_function("cedar", |b| {
            b.iter(|| (0..calls).filter(|&k| w.cedar(black_box(k))).count());
        });
        group.finish();
    }
}

/// Decisions per second over `budget`, cycling through the calls.
fn rate(budget: Duration, mut decide: impl FnMut(usize) -> bool) -> f64 {
    let start = Instant::now();
    let mut done = 0_u64;
    while start.elapsed() < budget {
        for k in 0..8 {
            black_box(decide(k));
        }
        done += 8;
    }
    done as f64 / start.elapsed().as_secs_f64()
}

/// (p50, p99, max) of single decisions, in nanoseconds.
fn percentiles(
    rounds: usize,
    calls: usize,
    mut decide: impl FnMut(usize) -> bool,
) -> (u128, u128, u128) {
    let mut samples: Vec<u128> = (0..rounds)
        .map(|i| {
            let k = i % calls;
            let t = Instant::now();
            black_box(decide(k));
            t.elapsed().as_nanos()
        })
        .collect();
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    (at(0.50), at(0.99), samples[samples.len() - 1])
}

fn summary() {
    println!(
        "\n=== summary (own timed loops; 8 mixed calls, allow / explicit deny / implicit deny) ==="
    );
    for n in SIZES {
        let w = workload(n).unwrap();
        let named = w.named();
        let ours = rate(Duration::from_millis(700), |k| {
            w.rampart(&named, k).is_allowed()
        });
        let cedar = rate(Duration::from_millis(700), |k| w.cedar(k));
        println!(
            "{n:>3} policies: rampart {:>12.0} decisions/s, cedar {:>10.0} decisions/s, rampart/cedar = {:.1}x",
            ours,
            cedar,
            ours / cedar
        );
    }
    let w = workload(100).unwrap();
    let named = w.named();
    let calls = w.calls.len();
    let (p50, p99, _) = percentiles(200_000, calls, |k| k == usize::MAX);
    println!("timer overhead (empty closure): p50 {p50} ns, p99 {p99} ns (included in the figures below)");
    for k in 0..calls {
        let (p50, p99, _) = percentiles(20_000, 1, |_| w.rampart(&named, k).is_allowed());
        let call = &w.calls[k];
        println!(
            "  {:?} {} from {}: {:?}, p50 {p50} ns, p99 {p99} ns",
            w.rampart(&named, k).effect,
            call.action,
            call.source_ip,
            call.resource
        );
    }
    let (p50, p99, max) = percentiles(200_000, calls, |k| w.rampart(&named, k).is_allowed());
    println!("100 policies, rampart single decision: p50 {p50} ns, p99 {p99} ns, max {max} ns (200000 samples)");
    let (p50, p99, max) = percentiles(50_000, calls, |k| w.cedar(k));
    println!("100 policies, cedar   single decision: p50 {p50} ns, p99 {p99} ns, max {max} ns (50000 samples)");
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c);
    c.final_summary();
    summary();
}
