//! Worst-case inspection time per megabyte: events built to be slow (repeated and unclosed
//! delimiters, encodings that decode layer after layer, base64 and gzip, numbers that look
//! like addresses, fullwidth text, wide and deep JSON) are decoded and inspected as the
//! extension would, and the slowest shapes are listed in ms per MB of event.
//! `cargo run --release -p fnguard-shield --example adversarial [MB]`. A measurement, not a
//! test: the target is ≤ 10 ms per MB on the machine that runs the extension.
//! The detectors' own cost is measured (no budget) unless `FNGUARD_BUDGET_MS` is set: then the
//! shield's configuration from the environment applies, as in the extension
//! (`FNGUARD_MODE=block FNGUARD_FAIL=closed FNGUARD_BUDGET_MS=10` caps each event's work).

mod common;
#[path = "common/events.rs"]
mod events;
#[path = "common/timing.rs"]
mod timing;

use base64::Engine;
use fnguard_shield::inspect::Budget;
use std::io::Write;
use std::time::Duration;

fn repeat_to(unit: &str, size: usize) -> String {
    unit.repeat(size / unit.len().max(1) + 1)
        .chars()
        .take(size)
        .collect()
}

fn shapes(size: usize) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for unit in [
        "'", "\"", "(", ")", "{", "}", "$", "%", "&", "\\", "/", ".", "<", ">", "`", ";", "|", "-",
        "#", "*", "@", ":", "[", "0", "a", " ", "\n", "=",
    ] {
        out.push((format!("repeat {unit:?}"), repeat_to(unit, size)));
    }
    for unit in [
        "{{",
        "}}",
        "${",
        "#{",
        "<%",
        "%>",
        "%25",
        "%c0%af",
        "&#",
        "&#x27;",
        "\\u",
        "\\u0027",
        "../",
        "..\\",
        "....//",
        "' or ",
        "' or 1=1 ",
        "/*",
        "*/",
        "/*!",
        "--",
        "<!",
        "${::-",
        ";id",
        "; cat /etc/passwd ",
        "$(",
        "a.",
        "0x",
        "%2",
        "&amp;",
        "1.",
        "::",
        "[::",
        "http://",
        "http://127.0.0.1/ ",
        "' union select ",
        "a'b",
        "\\'",
        "''",
        "$IFS",
        "{a,",
        "`a",
        "{{a",
        "__proto__",
        "rO0AB",
        "%u0027",
        "＇ｏｒ ",
        "a\u{301}",
        "😀",
        "<!DOCTYPE x [",
        "<!ENTITY ",
        "sleep(",
        "((",
        "||",
        "&&",
        "|| id ",
        "\n; id",
        // Trigger words glued to what comes before them, with no blank anywhere: each one
        // opens a detector's window, and the windows overlap.
        "a/etc/passwd",
        ".dbms_",
        "'union",
        "\"union",
        "'outfile",
        "_sleep(",
        ";cat",
        "&id",
        "${::-j}",
        "x=union select",
        "'&",
        "';a",
    ] {
        out.push((format!("repeat {unit:?}"), repeat_to(unit, size)));
    }
    for opener in [
        "{{",
        "${",
        "'",
        "\"",
        "/*",
        "<%",
        "<!DOCTYPE",
        "`",
        "$(",
        "%",
        "&#",
        "\\u{",
    ] {
        out.push((
            format!("unclosed {opener:?}"),
            format!("{opener}{}", repeat_to("a ", size - opener.len())),
        ));
    }
    // A long first word, then an operator every few bytes: what comes before each operator
    // must not be read again from the start.
    for unit in ["\nid", ";id", "&id", "'union", "/etc/passwd"] {
        out.push((
            format!("long first word, then {unit:?} repeated"),
            format!("{} b{}", "a".repeat(size / 2), repeat_to(unit, size / 2)),
        ));
    }
    let mixed = common::attack_fragments(size, 12345);
    out.push(("attack fragments mixed".into(), mixed));
    out.push((
        "near-miss fragments mixed".into(),
        common::near_miss_fragments(size, 54321),
    ));
    out.push((
        "starts of signature payloads, cut short".into(),
        common::signature_prefixes(size, 99),
    ));
    // Layers: encoded three times over.
    let mut layered = repeat_to("' or 1=1 -- ", size / 9);
    for _ in 0..2 {
        layered =
            percent_encoding::utf8_percent_encode(&layered, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
    }
    out.push(("percent-encoded twice".into(), layered));
    let mut x: u64 = 7;
    let random: Vec<u8> = (0..size * 3 / 4)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            (x >> 56) as u8
        })
        .collect();
    out.push((
        "base64 of random bytes".into(),
        base64::engine::general_purpose::STANDARD.encode(&random),
    ));
    // Base64 wrapped in MIME lines is decoded as one value: near-miss text inside.
    let near_miss = common::near_miss_fragments(size * 3 / 4, 9876);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&near_miss);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .filter_map(|l| std::str::from_utf8(l).ok())
        .collect();
    out.push((
        "base64 of near-miss text in 76-character lines".into(),
        lines.join("\r\n"),
    ));
    // Every encoded token of a value is decoded: near-miss fragments, 12 bytes or a few more,
    // each base64'd or hex'd, between spaces. Decoded tokens are joined by newlines, so each
    // starts with a word that is no command (`/*` at the start of a line is one).
    let pieces: Vec<String> = (0..size as u64 / 17)
        .map(|n| format!("q {}", common::near_miss_fragments(10, n)))
        .collect();
    let b64_tokens: Vec<String> = pieces
        .iter()
        .map(|p| base64::engine::general_purpose::STANDARD.encode(p))
        .collect();
    out.push((
        "base64 of near-miss text in 16-character tokens".into(),
        b64_tokens.join(" "),
    ));
    let hex_tokens: Vec<String> = pieces
        .iter()
        .take(size / 31)
        .map(|p| p.bytes().map(|b| format!("{b:02x}")).collect())
        .collect();
    out.push((
        "hex of near-miss text in 24-digit tokens".into(),
        hex_tokens.join(" "),
    ));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = gz.write_all(repeat_to("' or 1=1 -- ; id $(", 64 << 20).as_bytes());
    let bomb = gz.finish().unwrap_or_default();
    out.push((
        "base64 gzip bomb (64 MB inside)".into(),
        base64::engine::general_purpose::STANDARD.encode(&bomb),
    ));
    // The most text compressed data may hold without being a bomb: near-miss fragments that
    // inflate just under 32 times, to just under the 8 MB cap. All of it is inspected, so its
    // time per MB of event is the inflated text's times the ratio.
    if let Some((ratio, gz)) = near_bomb() {
        out.push((
            format!("base64 gzip of near-miss text, {ratio:.0} times (just under a bomb)"),
            base64::engine::general_purpose::STANDARD.encode(gz),
        ));
    }
    out
}

/// Gzip of 7 MB of near-miss fragments (a 16 KB pattern repeated, inside deflate's window, with every `n`th letter
/// after a fragment drawn at random so that matches break), for the `n` that compresses it the
/// most below 31 times.
fn near_bomb() -> Option<(f64, Vec<u8>)> {
    let pattern = common::near_miss_fragments(16 << 10, 777);
    let mut best: Option<(f64, Vec<u8>)> = None;
    for every in 4..=32u64 {
        let mut text = Vec::with_capacity(7 << 20);
        let mut x: u64 = every;
        let mut k = 0u64;
        while text.len() < 7 << 20 {
            for &c in pattern.as_bytes() {
                let letter = b"jkqxz".contains(&c);
                if letter {
                    k += 1;
                }
                if letter && k.is_multiple_of(every) {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    text.push(b"jkqxz"[((x >> 33) % 5) as usize]);
                } else {
                    text.push(c);
                }
            }
        }
        text.truncate(7 << 20);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&text).ok()?;
        let gz = gz.finish().ok()?;
        let ratio = text.len() as f64 / gz.len() as f64;
        if ratio < 31.0 && best.as_ref().is_none_or(|(r, _)| ratio > *r) {
            best = Some((ratio, gz));
        }
        if ratio >= 31.0 {
            break;
        }
    }
    best
}

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let size = mb << 20;
    let limits = events::LIMITS;
    let d = events::detector();
    // `adversarial MB SHAPE`: only the shapes whose label contains SHAPE, 20 runs each (for
    // a profiler).
    let vars: std::collections::HashMap<String, String> = std::env::vars().collect();
    let budget: Budget = if vars.contains_key("FNGUARD_BUDGET_MS") {
        match fnguard_shield::config::Config::from_vars(&vars) {
            Ok(cfg) => cfg.inspection_budget(),
            Err(errors) => {
                for e in errors {
                    eprintln!("{e}");
                }
                std::process::exit(2);
            }
        }
    } else {
        Duration::from_secs(60).into()
    };
    // `adversarial MB all` lists every shape, not only the 25 slowest.
    let only = std::env::args().nth(2);
    let list_all = only.as_deref() == Some("all");
    let only = only.filter(|o| o != "all");
    // `ADV_RUNS=N` sets how many runs each shape gets (the best counts).
    let runs = vars
        .get("ADV_RUNS")
        .and_then(|r| r.parse().ok())
        .unwrap_or(if only.is_some() { 20 } else { 3 });
    let mut rows = Vec::new();
    for (name, value) in shapes(size) {
        for (label, event) in timing::http(&name, &value) {
            if only.as_ref().is_some_and(|o| !label.contains(o.as_str())) {
                continue;
            }
            let bytes = event.to_string().len();
            let (per_mb, decode_per_mb) = timing::ms_per_mb(&d, &limits, &event, runs, budget);
            rows.push((
                per_mb,
                format!("{label} [decode {decode_per_mb:.1}]"),
                bytes,
            ));
        }
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("{:>9}  {:>9}  shape", "ms/MB", "bytes");
    for (per_mb, label, bytes) in rows.iter().take(if list_all { usize::MAX } else { 25 }) {
        println!("{per_mb:>9.2}  {bytes:>9}  {label}");
    }
    let times: Vec<f64> = rows.iter().map(|r| r.0).collect();
    println!("{}", timing::summary(&times));
}
