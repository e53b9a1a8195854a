//! The held-out evaluation: payloads and benign text written apart from the regression corpus
//! (tests/heldout/), each placed in every attacker-controlled position of every trigger, with
//! the share blocked per class and per position printed (`--nocapture`). Done when at least
//! 95% of attack placements and at most 1% of benign placements are blocked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod placements;

use fnguard_shield::config::{Config, Mode};
use fnguard_shield::envelope::{decode, Limits};
use fnguard_shield::inspect::Detector;
use fnguard_shield::verdict::{decide, Action};
use placements::{more_placements, placements};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Deserialize)]
struct Attacks {
    attack: Vec<AttackGroup>,
}

#[derive(Deserialize)]
struct AttackGroup {
    class: String,
    #[serde(default)]
    json: bool,
    payloads: Vec<String>,
}

#[derive(Deserialize)]
struct Benign {
    values: Vec<String>,
}

const LIMITS: Limits = Limits {
    max_body_bytes: 6 << 20,
    max_depth: 64,
    max_keys: 10_000,
};

fn data(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/heldout/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn all_placements(text: &str, value: &Value, text_positions: bool) -> Vec<(&'static str, Value)> {
    placements(text, value, text_positions)
        .into_iter()
        .map(|(p, _, e)| (p, e))
        .chain(more_placements(text, value, text_positions))
        .collect()
}

/// Whether the shield in block mode keeps the event (or the payload's record) from the handler.
fn blocked(detector: &Detector, event: &Value) -> (bool, Vec<String>) {
    let cfg = Config {
        mode: Mode::Block,
        ..Config::default()
    };
    let env = decode(event, &LIMITS);
    let ins = detector.inspect(&env, Duration::from_secs(5));
    // The detectors' work allowance is for values made of operators or keywords from end to
    // end: no held-out value, attack or benign, may reach it.
    assert_eq!(ins.judged_in_part, 0, "{event} ran out of allowance");
    let v = decide(event, &env, &ins, &cfg);
    let why = ins
        .hits
        .iter()
        .map(|h| format!("{} ({})", h.rule, h.excerpt))
        .chain(env.violations.iter().map(|v| v.what.clone()))
        .collect();
    (v.action != Action::Pass, why)
}

#[derive(Default)]
struct Tally {
    blocked: usize,
    placed: usize,
}

fn table(title: &str, rows: &BTreeMap<String, Tally>) {
    eprintln!("\n{title}");
    for (k, t) in rows {
        eprintln!(
            "  {:<34} {:>4}/{:<4} {:>6.1}%",
            k,
            t.blocked,
            t.placed,
            100.0 * t.blocked as f64 / t.placed.max(1) as f64
        );
    }
}

/// Evaluates one round: the rates blocked and the tables, printed.
fn evaluate(round: &str, attacks_file: &str, benign_file: &str) -> (f64, f64) {
    let detector = Detector::builtin().unwrap();
    let attacks: Attacks = toml::from_str(&data(attacks_file)).unwrap();
    let benign: Benign = toml::from_str(&data(benign_file)).unwrap();
    eprintln!("\n===== {round} =====");

    let mut by_class: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_position: BTreeMap<String, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    for group in &attacks.attack {
        for p in &group.payloads {
            let value: Value = if group.json {
                serde_json::from_str(p).unwrap()
            } else {
                Value::String(p.clone())
            };
            for (place, event) in all_placements(p, &value, !group.json) {
                let (hit, _) = blocked(&detector, &event);
                for t in [
                    by_class.entry(group.class.clone()).or_default(),
                    by_position.entry(place.to_string()).or_default(),
                ] {
                    t.placed += 1;
                    t.blocked += usize::from(hit);
                }
                if !hit {
                    misses.push(format!("{} / {place}: {p:?}", group.class));
                }
            }
        }
    }
    let mut benign_by_position: BTreeMap<String, Tally> = BTreeMap::new();
    let mut false_positives = Vec::new();
    for text in &benign.values {
        for (place, event) in all_placements(text, &Value::String(text.clone()), true) {
            let (hit, why) = blocked(&detector, &event);
            let t = benign_by_position.entry(place.to_string()).or_default();
            t.placed += 1;
            t.blocked += usize::from(hit);
            if hit {
                false_positives.push(format!("{place}: {text:?} → {}", why.join(", ")));
            }
        }
    }
    table("attack placements blocked, by class", &by_class);
    table("attack placements blocked, by position", &by_position);
    table(
        "benign placements blocked, by position",
        &benign_by_position,
    );
    let total = |m: &BTreeMap<String, Tally>| {
        m.values()
            .fold((0, 0), |(b, p), t| (b + t.blocked, p + t.placed))
    };
    let (ab, ap) = total(&by_class);
    let (bb, bp) = total(&benign_by_position);
    let attack_rate = ab as f64 / ap as f64;
    let benign_rate = bb as f64 / bp as f64;
    eprintln!(
        "\nattacks blocked {ab}/{ap} ({:.1}%), benign blocked {bb}/{bp} ({:.2}%)",
        100.0 * attack_rate,
        100.0 * benign_rate
    );
    eprintln!("\nmissed attacks:\n{}", misses.join("\n"));
    eprintln!("\nblocked benign:\n{}", false_positives.join("\n"));
    (attack_rate, benign_rate)
}

/// Round 1: written after the detectors by the same author (its first run, before the fixes
/// it prompted: 82.2% of attack placements and 1.90% of benign ones blocked).
#[test]
fn round_one() {
    let (attacks, benign) = evaluate("round 1", "attacks.toml", "benign.toml");
    assert!(attacks >= 0.95, "attacks blocked {attacks:.3} < 0.95");
    assert!(benign <= 0.01, "benign blocked {benign:.4} > 0.01");
}

/// Round 2: written blind (by a helper that did not read the detectors).
#[test]
fn round_two() {
    let (attacks, benign) = evaluate("round 2", "round2-attacks.toml", "round2-benign.toml");
    assert!(attacks >= 0.95, "attacks blocked {attacks:.3} < 0.95");
    assert!(benign <= 0.01, "benign blocked {benign:.4} > 0.01");
}

/// Round 3: written blind by another helper after the round-2 fixes, stressing payloads after
/// a legitimate value, other engines and dialects, and benign text of other domains.
#[test]
fn round_three() {
    let (attacks, benign) = evaluate("round 3", "round3-attacks.toml", "round3-benign.toml");
    assert!(attacks >= 0.95, "attacks blocked {attacks:.3} < 0.95");
    assert!(benign <= 0.01, "benign blocked {benign:.4} > 0.01");
}

/// Round 4: written blind by a third helper after the round-3 fixes, as a penetration tester's
/// tool would send its payloads, against hard benign text.
#[test]
fn round_four() {
    let (attacks, benign) = evaluate("round 4", "round4-attacks.toml", "round4-benign.toml");
    assert!(attacks >= 0.95, "attacks blocked {attacks:.3} < 0.95");
    assert!(benign <= 0.01, "benign blocked {benign:.4} > 0.01");
}

/// Round 5: written blind by a fourth helper after the round-4 fixes: the shortest working
/// probe of each class first, then evasions, against hard benign text.
#[test]
fn round_five() {
    let (attacks, benign) = evaluate("round 5", "round5-attacks.toml", "round5-benign.toml");
    assert!(attacks >= 0.95, "attacks blocked {attacks:.3} < 0.95");
    assert!(benign <= 0.01, "benign blocked {benign:.4} > 0.01");
}

/// `fnguard-shield check` reports a hit's location as its field's path: every field of a
/// record must name its record in that path, in every trigger's positions.
#[test]
fn every_record_field_names_its_record() {
    let text = "report.pdf; cat /etc/passwd";
    let mut record_fields = 0;
    for (place, event) in all_placements(text, &Value::String(text.into()), true) {
        let env = decode(&event, &LIMITS);
        let fields = env.fields.iter().map(|f| (f.record, f.path.as_str()));
        let violations = env.violations.iter().map(|v| (v.record, v.path.as_str()));
        for (record, path) in fields.chain(violations) {
            if let Some(r) = record {
                record_fields += 1;
                assert!(
                    path.contains(&format!("[{r}]")),
                    "{place}: {path} of record {r}"
                );
            }
        }
    }
    assert!(record_fields > 20, "{record_fields}");
}
