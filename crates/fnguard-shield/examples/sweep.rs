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
#[path = "common/timing.rs"]
mod timing;

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

/// Shapes measured again (`main`): those above `RECHECK_ABOVE` ms/MB at first, at most
/// `RECHECK_MOST` of them, `RECHECK_ROUNDS` times `RECHECK_RUNS` runs each.
const RECHECK_ABOVE: f64 = 7.0;
const RECHECK_MOST: usize = 3_000;
const RECHECK_ROUNDS: usize = 3;
const RECHECK_RUNS: usize = 3;

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
    let event_of = |piece: &str| {
        let value = piece.repeat(size / piece.len() + 1);
        let mut end = size.min(value.len());
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        timing::http(&format!("{piece:?}"), &value[..end])
    };
    // (ms/MB, label, piece, layout)
    let mut rows: Vec<(f64, String, String, usize)> = Vec::new();
    for unit in &units {
        for glue in GLUE {
            let piece = format!("{glue}{unit}");
            if only.as_ref().is_some_and(|o| !piece.contains(o.as_str())) {
                continue;
            }
            for (layout, (label, event)) in event_of(&piece).into_iter().enumerate() {
                let (per_mb, decoding) = timing::ms_per_mb(&d, &limits, &event, runs, budget);
                // With a unit asked for, the envelope's decoding is shown apart.
                let label = match only {
                    Some(_) => format!("{label} [decoding {decoding:.2}]"),
                    None => label,
                };
                rows.push((per_mb, label, piece.clone(), layout));
            }
        }
    }
    // Two runs of a shape in a slow spell of this shared machine read up to 1.6 times its
    // cost: every shape that may be above the target is measured again, in rounds spread over
    // the sweep's time, and keeps its best.
    let mut again: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].0 > RECHECK_ABOVE)
        .collect();
    again.sort_by(|&a, &b| rows[b].0.total_cmp(&rows[a].0));
    again.truncate(RECHECK_MOST);
    for _ in 0..RECHECK_ROUNDS {
        for &i in &again {
            let (_, event) = &event_of(&rows[i].2)[rows[i].3];
            let (per_mb, _) = timing::ms_per_mb(&d, &limits, event, RECHECK_RUNS, budget);
            rows[i].0 = rows[i].0.min(per_mb);
        }
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("{:>9}  repeated unit", "ms/MB");
    for (per_mb, label, _, _) in rows.iter().take(top) {
        println!("{per_mb:>9.2}  {label}");
    }
    let times: Vec<f64> = rows.iter().map(|r| r.0).collect();
    println!(
        "{} ({} units × {} glues × {} layouts at {kb} KB; {} above {RECHECK_ABOVE} ms/MB \
         measured again, best of {} runs)",
        timing::summary(&times),
        units.len(),
        GLUE.len(),
        event_of("a").len(),
        again.len(),
        runs + RECHECK_ROUNDS * RECHECK_RUNS,
    );
}
