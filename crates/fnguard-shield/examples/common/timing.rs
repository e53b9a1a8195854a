//! How the timing examples lay an input out and time it: the same bytes as one HTTP body, and
//! as a JSON object of 1 KB, 100-byte or 8-byte values (where each value's fixed costs add
//! up), and their time per MB of event.

use crate::events::{http_event, json_fields};
use fnguard_shield::envelope::{decode, Limits};
use fnguard_shield::inspect::{Budget, Detector};
use std::time::{Duration, Instant};

/// `value` as an HTTP API body of text, and as a JSON body of 1 KB string fields.
pub fn http(name: &str, value: &str) -> Vec<(String, serde_json::Value)> {
    // The same bytes as one value, and as a JSON object of 1 KB values, of 100-byte values
    // (9,000 of them: a record may have 10,000 keys), where each value's fixed costs weigh
    // ten times as much, and of 8-byte values.
    let fields = |size: usize| json_fields(value, size);
    vec![
        (
            format!("{name} (one value)"),
            http_event(value.to_string(), "text/plain"),
        ),
        (format!("{name} (1 KB JSON fields)"), fields(1024)),
        (format!("{name} (100-byte JSON fields)"), fields(100)),
        // The shortest values: 9,000 of 8 bytes make an event of about 170 KB, whose time
        // per MB is nearly all per-value costs.
        (format!("{name} (8-byte JSON fields)"), fields(8)),
    ]
}

/// The best of `runs` decodings and inspections of `event`, in ms per MB of its JSON, and the
/// decoding's share: the machine's noise only ever adds time.
pub fn ms_per_mb(
    d: &Detector,
    limits: &Limits,
    event: &serde_json::Value,
    runs: usize,
    budget: Budget,
) -> (f64, f64) {
    let bytes = event.to_string().len();
    let mut best = Duration::MAX;
    let mut best_decode = Duration::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let env = decode(event, limits);
        let decoded = t.elapsed();
        let ins = d.inspect(&env, budget);
        std::hint::black_box(&ins);
        best = best.min(t.elapsed());
        best_decode = best_decode.min(decoded);
    }
    let mbs = bytes as f64 / (1 << 20) as f64;
    (
        best.as_secs_f64() * 1e3 / mbs,
        best_decode.as_secs_f64() * 1e3 / mbs,
    )
}

/// The closing line of a timing run, from its times sorted slowest first: the worst, the
/// median and how many are above the 10 ms/MB target.
pub fn summary(slowest_first: &[f64]) -> String {
    let Some(worst) = slowest_first.first() else {
        return "no shapes".to_string();
    };
    let median = slowest_first[slowest_first.len() / 2];
    let over = slowest_first.iter().filter(|&&t| t > 10.0).count();
    format!(
        "{} shapes; worst {worst:.2} ms/MB, median {median:.2} ms/MB, {over} above 10 ms/MB",
        slowest_first.len()
    )
}
