//! A search for slow input, rather than a list of it: every word a detector starts a judgment
//! from (`detect::vocabulary`) and every delimiter, glued to each of a set of bytes that come
//! before it (a letter, a digit, a quote, an operator, a blank...), repeated to the size asked
//! for, and inspected as one value and as 1 KB fields. The slowest units are listed in ms per
//! MB of event; a quadratic path shows as a unit far above the rest.
//! `cargo run --release -p fnguard-shield --example sweep [KB] [TOP] [UNIT]` (256 KB, 25 by
//! default; with UNIT, only the units glued that contain it, 20 runs each, for a profiler).
//! A measurement, not a test: the target is ≤ 10 ms per MB, and a claim about the worst case
//! should come from here rather than from the hand-made shapes of `--example adversarial`.

#[path = "common/events.rs"]
mod events;

use fnguard_shield::inspect::Budget;
use std::time::Duration;

/// Delimiters and operators the detectors react to, alone and in the pairs that open
/// something (a comment, an expression, a substitution).
const DELIMITERS: &[&str] = &[
    "'",
    "\"",
    "`",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "<",
    ">",
    "$",
    "%",
    "&",
    "|",
    ";",
    "\n",
    "\\",
    "/",
    ".",
    ":",
    "#",
    "*",
    "-",
    "=",
    "@",
    "..",
    "../",
    "/*",
    "*/",
    "--",
    "{{",
    "}}",
    "${",
    "#{",
    "<%",
    "%>",
    "$(",
    "&&",
    "||",
    "&#",
    "%2",
    "\\u",
    "0x",
    "::",
    "__proto__",
    "http://",
    "${::-j}",
    "<!ENTITY ",
];

/// What a unit is glued to: nothing, a name byte, a digit, quotes, operators and blanks.
const GLUE: &[&str] = &[
    "", "a", "1", "_", ".", "'", "\"", ";", "&", "|", "/", "$", "(", " ", "\n", "{", "%", "=",
];

fn main() {
    let kb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(256);
    let top: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(25);
    let only = std::env::args().nth(3);
    let runs = if only.is_some() { 20 } else { 2 };
    let size = kb << 10;
    let limits = events::LIMITS;
    let d = events::detector();
    // The detectors' own cost: no budget cuts an inspection short.
    let budget: Budget = Duration::from_secs(60).into();
    let mut units: Vec<&str> = fnguard_shield::detect::vocabulary();
    units.extend(DELIMITERS);
    units.sort_unstable();
    units.dedup();
    let mut rows: Vec<(f64, String)> = Vec::new();
    for unit in &units {
        for glue in GLUE {
            let piece = format!("{glue}{unit}");
            if only.as_ref().is_some_and(|o| !piece.contains(o.as_str())) {
                continue;
            }
            let value = piece.repeat(size / piece.len() + 1);
            let mut end = size.min(value.len());
            while !value.is_char_boundary(end) {
                end -= 1;
            }
            for (label, event) in events::http(&format!("{piece:?}"), &value[..end]) {
                let (per_mb, _) = events::ms_per_mb(&d, &limits, &event, runs, budget);
                rows.push((per_mb, label));
            }
        }
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("{:>9}  repeated unit", "ms/MB");
    for (per_mb, label) in rows.iter().take(top) {
        println!("{per_mb:>9.2}  {label}");
    }
    let times: Vec<f64> = rows.iter().map(|r| r.0).collect();
    println!(
        "{} ({} units × {} glues × 2 layouts at {kb} KB)",
        events::summary(&times),
        units.len(),
        GLUE.len(),
    );
}
