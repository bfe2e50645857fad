#![expect(
    clippy::unwrap_used,
    reason = "a benchmark aborts on a broken workload"
)]

//! Decisions per second for a RAM user with 1, 10 and 100 attached policies,
//! Rampart against Cedar on the same decisions; then the ratio and the p99
//! latency of single decisions at 100 policies, measured with a timed loop.
//!
//! Then crafted policies: a user with the most custom policies RAM allows in
//! force (35), each of the longest allowed size and packed with wildcard
//! patterns built to be slow (see [`Attack`]), against a plain user with one
//! ordinary policy, on the same request (a secret with the longest allowed
//! name).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use rampart_policy_bench::{workload, Attack, Principal};

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
    // Crafted policies: each attack against a plain user on the same request.
    let mut group = c.benchmark_group("adversarial");
    for attack in Attack::ALL {
        let plain = Principal::plain(attack).unwrap();
        let plain_named = plain.named();
        group.bench_function(format!("{}_plain_1_policy", attack.name()), |b| {
            b.iter(|| black_box(&plain).decide(&plain_named).is_allowed());
        });
        let p = Principal::adversarial(attack).unwrap();
        let named = p.named();
        group.bench_function(format!("{}_35_policies", attack.name()), |b| {
            b.iter(|| black_box(&p).decide(&named).is_allowed());
        });
    }
    group.finish();
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

/// Nanoseconds per decision of `a` and `b`, timed in alternating batches (so
/// both see the same machine load): the median over `rounds` of each batch's
/// mean, and the median of the per-round ratios `a / b`.
fn alternate(
    rounds: usize,
    batch_a: usize,
    batch_b: usize,
    mut a: impl FnMut() -> bool,
    mut b: impl FnMut() -> bool,
) -> (f64, f64, f64) {
    let time = |n: usize, f: &mut dyn FnMut() -> bool| {
        let t = Instant::now();
        for _ in 0..n {
            black_box(f());
        }
        t.elapsed().as_nanos() as f64 / n as f64
    };
    let (mut ta, mut tb, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let x = time(batch_a, &mut a);
        let y = time(batch_b, &mut b);
        ta.push(x);
        tb.push(y);
        ratios.push(x / y);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&mut ta), median(&mut tb), median(&mut ratios))
}

fn adversarial_summary() {
    println!(
        "\n=== crafted policies: 35 custom policies of up to 6144 characters against \
         one ordinary policy, same request (alternating batches, medians of 15 rounds) ==="
    );
    for attack in Attack::ALL {
        let plain = Principal::plain(attack).unwrap();
        let plain_named = plain.named();
        let p = Principal::adversarial(attack).unwrap();
        let named = p.named();
        let patterns: usize = p
            .docs
            .iter()
            .flat_map(|d| d.statements())
            .map(|s| s.resources().map_or(0, Iterator::count) + s.actions().count())
            .sum();
        let (adv, base, ratio) = alternate(
            15,
            20,
            20_000,
            || p.decide(&named).is_allowed(),
            || plain.decide(&plain_named).is_allowed(),
        );
        let size = p.chars as f64 / plain.chars as f64;
        println!(
            "{:>17}: {patterns} patterns, {} characters, {:.1} µs per decision; plain user \
             {base:.0} ns; ratio {ratio:.0}x for {size:.0}x the characters ({:.2}x per character)",
            attack.name(),
            p.chars,
            adv / 1000.0,
            ratio / size,
        );
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c);
    c.final_summary();
    summary();
    adversarial_summary();
}
