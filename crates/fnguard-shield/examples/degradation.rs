//! Whether inspecting hostile events slows down the events after them (matcher state carried
//! across invocations): the median time of a fixed benign event before and after N crafted
//! 64 KB values made of attack-token fragments and near-misses, and the crafted value's own
//! time.
//! `cargo run --release -p fnguard-shield --example degradation [N]`. A measurement, not a test:
//! compare the ratio, not the absolute times.

mod common;

use fnguard_shield::envelope::{decode, Limits};
use fnguard_shield::inspect::Detector;
use std::time::{Duration, Instant};

fn median(d: &Detector, event: &serde_json::Value, runs: usize) -> Duration {
    let limits = Limits {
        max_body_bytes: 6 << 20,
        max_depth: 64,
        max_keys: 10_000,
    };
    let env = decode(event, &limits);
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let _ = d.inspect(&env, Duration::from_secs(5));
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// Attack fragments, near-misses and cut-short signature payloads in turn: the first fill
/// the matchers' states with hits, the second make every detector read every byte, the third
/// meet new signature automaton states on every few bytes.
fn crafted(seed: u64) -> serde_json::Value {
    let s = match seed % 3 {
        0 => common::attack_fragments(64 * 1024, seed),
        1 => common::near_miss_fragments(64 * 1024, seed),
        _ => common::signature_prefixes(64 * 1024, seed),
    };
    serde_json::json!({"version": "2.0", "rawPath": "/x", "body": s,
        "requestContext": {"http": {"method": "POST"}}, "headers": {"content-type": "text/plain"}})
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20)
        .max(1);
    let Ok(d) = Detector::builtin() else {
        eprintln!("the built-in rules do not compile");
        std::process::exit(1);
    };
    let benign = serde_json::json!({"version": "2.0", "rawPath": "/orders",
        "body": "{\"name\":\"blue shoes size 42\",\"note\":\"please deliver to the office\"}",
        "requestContext": {"http": {"method": "POST"}}, "headers": {"content-type": "application/json"}});
    // The benign event takes microseconds: medians of many runs, taken twice before (their
    // ratio is the noise floor) and once after the crafted events.
    let before = median(&d, &benign, 5001);
    let before_again = median(&d, &benign, 5001);
    let mut crafted_times = Vec::new();
    for i in 0..n {
        crafted_times.push(median(&d, &crafted(12345 + i as u64), 1));
    }
    crafted_times.sort();
    let after = median(&d, &benign, 5001);
    println!(
        "noise floor: before/before {:.2}",
        before_again.as_secs_f64() / before.as_secs_f64()
    );
    println!(
        "benign before {before:?}; {n} crafted 64 KB values, median {:?}; benign after {after:?}; after/before {:.2}",
        crafted_times[crafted_times.len() / 2],
        after.as_secs_f64() / before.as_secs_f64()
    );
}
