#![allow(clippy::unwrap_used)]
use std::time::Instant;
fn main() {
    let w = rampart_policy_bench::workload(100).unwrap();
    let named = w.named();
    for k in 0..w.calls.len() {
        let n = 200_000;
        let t = Instant::now();
        let mut a = 0;
        for _ in 0..n {
            if w.rampart(&named, std::hint::black_box(k)).is_allowed() {
                a += 1;
            }
        }
        let per = t.elapsed().as_nanos() / n;
        println!(
            "{:>5} ns  {:?} {} {:?}",
            per,
            w.calls[k].action,
            a > 0,
            w.rampart(&named, k).reasons.len()
        );
    }
}
