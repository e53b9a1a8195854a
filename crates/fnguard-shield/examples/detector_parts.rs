//! Time of each detector alone on 1 MB shapes (where inspection time goes).
//! `cargo run --release -p fnguard-shield --example detector_parts`.

mod common;
#[path = "common/events.rs"]
mod events;

use fnguard_shield::detect::{self, net, normalize, path, shell, sql, template, Strictness};
use std::time::Instant;

fn main() {
    // `detector_parts repeat:UNIT[:KB] [PART]`: UNIT repeated to KB (1024 by default) instead
    // of the shapes below, as `--example sweep` lists them.
    let custom = std::env::args().nth(1).and_then(|a| {
        let rest = a.strip_prefix("repeat:")?.to_string();
        let (unit, kb) = match rest.rsplit_once(':') {
            Some((u, k)) if !u.is_empty() && k.parse::<usize>().is_ok() => {
                (u.to_string(), k.parse().unwrap_or(1024))
            }
            _ => (rest, 1024),
        };
        Some((a, unit.replace("\\n", "\n"), kb))
    });
    let size = custom.as_ref().map_or(1 << 20, |c| c.2 << 10);
    let prose = "The quick brown fox; jumps over the lazy dog's back -- twice & again. ";
    let shapes: Vec<(&str, String)> = vec![
        ("prose", prose.repeat(size / prose.len())),
        ("letters", "a".repeat(size)),
        ("quotes", "'".repeat(size)),
        ("../", "../".repeat(size / 3)),
        ("${", "${".repeat(size / 2)),
        ("<%", "<%".repeat(size / 2)),
        ("&#", "&#".repeat(size / 2)),
        ("&amp;", "&amp;".repeat(size / 5)),
        ("a-acute", "a\u{301}".repeat(size / 3)),
        ("http", "http://".repeat(size / 7)),
        ("loopback", "http://127.0.0.1/ ".repeat(size / 18)),
        ("amp", "&".repeat(size)),
        ("semi", ";".repeat(size)),
        ("subst", "$(".repeat(size / 2)),
        ("tick", "`a".repeat(size / 2)),
        ("mixed", common::attack_fragments(size, 12345)),
        ("near-miss", common::near_miss_fragments(size, 54321)),
        ("sigstarts", common::signature_prefixes(size, 99)),
        (
            "orders",
            "order shipped customer Ana López thanks, see you soon; the blue mug "
                .repeat(size / 70),
        ),
    ];
    let shapes = match &custom {
        Some((name, unit, _)) => {
            let v = unit.repeat(size / unit.len().max(1) + 1);
            let mut end = size.min(v.len());
            while !v.is_char_boundary(end) {
                end -= 1;
            }
            let name: &str = name;
            vec![(name, v[..end].to_string())]
        }
        None => shapes,
    };
    type Part = (&'static str, fn(&str));
    let parts: [Part; 10] = [
        ("normalize", |v| drop(normalize::decoded(v))),
        ("sql", |v| drop(sql::detect(v, Strictness::Generic))),
        ("shell", |v| drop(shell::detect(v, Strictness::Generic))),
        ("path", |v| drop(path::detect(v, Strictness::Generic))),
        ("net", |v| drop(net::detect(v, Strictness::Generic, false))),
        ("template", |v| {
            drop(template::detect(v, Strictness::Generic))
        }),
        ("all", |v| {
            drop(detect::value(v, detect::Sinks::default(), false))
        }),
        ("inspect", |v| inspect_values(&[v])),
        // The same text as 1 KB fields of one event: the per-field costs show.
        ("fields", |v| inspect_values(&kilobyte_pieces(v))),
        // Timed in the loop below: the event is built once, outside the timing.
        ("event", |_| {}),
    ];
    print!("{:>10}", "ms");
    for (p, _) in &parts {
        print!("{p:>10}");
    }
    println!();
    // `detector_parts SHAPE PART`: that pair only, 20 times (for a profiler).
    let only: Vec<String> = std::env::args().skip(1).collect();
    for (name, v) in &shapes {
        if only.first().is_some_and(|o| o != name) {
            continue;
        }
        print!("{name:>10}");
        for (part, f) in &parts {
            if only.get(1).is_some_and(|o| o != part) {
                continue;
            }
            let runs = if only.is_empty() { 7 } else { 20 };
            // `PARTS_IN_FIELDS=1`: each part reads the value as 1 KB pieces, as in an event
            // of 1 KB fields.
            let pieces: Vec<&str> = if std::env::var_os("PARTS_IN_FIELDS").is_some() {
                kilobyte_pieces(v)
            } else {
                vec![v.as_str()]
            };
            // `event`: the value as an HTTP event of JSON fields (`DETECTOR_PARTS_FIELD`
            // bytes each, the first 9,000 of them), decoded and inspected as the extension
            // does: a profile of the envelope with the detectors.
            let event = (*part == "event").then(|| events::json_fields(v, field_size()));
            let detector = event.as_ref().map(|_| events::detector());
            let f = |_: &str| match (&event, &detector) {
                (Some(e), Some(d)) => {
                    let env = fnguard_shield::envelope::decode(e, &events::LIMITS);
                    drop(d.inspect(&env, std::time::Duration::from_secs(60)));
                }
                _ => pieces.iter().for_each(|p| f(p)),
            };
            f(v);
            // The fastest run: the machine's noise only ever adds time.
            let mut best = f64::MAX;
            for _ in 0..runs {
                let t = Instant::now();
                f(v);
                best = best.min(t.elapsed().as_secs_f64() * 1e3);
            }
            print!("{best:>10.2}");
        }
        println!();
    }
}

/// `v` in pieces of 1 KB (or `DETECTOR_PARTS_FIELD` bytes): how per-field costs grow as fields
/// shrink.
fn kilobyte_pieces(v: &str) -> Vec<&str> {
    let size = field_size();
    let mut pieces = Vec::new();
    let mut from = 0;
    while from < v.len() {
        let mut to = (from + size).min(v.len());
        while !v.is_char_boundary(to) {
            to += 1;
        }
        pieces.push(&v[from..to]);
        from = to;
    }
    pieces
}

/// `DETECTOR_PARTS_FIELD`, or 1 KB.
fn field_size() -> usize {
    std::env::var("DETECTOR_PARTS_FIELD")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1024)
        .max(1)
}

/// One event of `values` as fields, inspected by the built-in rules.
fn inspect_values(values: &[&str]) {
    let env = fnguard_shield::envelope::Envelope {
        trigger: fnguard_shield::envelope::Trigger::Unknown,
        fields: values
            .iter()
            .enumerate()
            .map(|(i, v)| fnguard_shield::envelope::Field {
                record: None,
                path: format!("body.f{i}").into(),
                value: (*v).into(),
                is_key: false,
            })
            .collect(),
        records: Vec::new(),
        violations: Vec::new(),
        multi_value_headers: false,
    };
    static D: std::sync::OnceLock<Option<fnguard_shield::inspect::Detector>> =
        std::sync::OnceLock::new();
    if let Some(d) = D.get_or_init(|| fnguard_shield::inspect::Detector::builtin().ok()) {
        drop(d.inspect(&env, std::time::Duration::from_secs(60)));
    }
}
