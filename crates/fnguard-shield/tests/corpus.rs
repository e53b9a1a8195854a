//! The regression corpus of the inspection rules: every attack payload, placed in the
//! attacker-controlled fields of every trigger type, is caught with its class and answered in
//! the trigger's shape; every benign value and every real-shaped benign event passes untouched.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod placements;

use placements::placements;

use fnguard_shield::config::{Config, Mode};
use fnguard_shield::envelope::{decode, Limits, Trigger};
use fnguard_shield::inspect::Detector;
use fnguard_shield::verdict::{decide, Action};
use serde::Deserialize;
use serde_json::{json, Value};
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

fn corpus(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/corpus/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn block() -> Config {
    Config {
        mode: Mode::Block,
        ..Config::default()
    }
}

#[test]
fn every_attack_is_caught_in_every_trigger_and_answered_in_its_shape() {
    let detector = Detector::builtin().unwrap();
    let attacks: Attacks = toml::from_str(&corpus("attacks.toml")).unwrap();
    let cfg = block();
    let mut misses = Vec::new();
    let mut checked = 0;
    for group in &attacks.attack {
        for p in &group.payloads {
            let value: Value = if group.json {
                serde_json::from_str(p).unwrap()
            } else {
                Value::String(p.clone())
            };
            for (place, trigger, event) in placements(p, &value, !group.json) {
                checked += 1;
                let env = decode(&event, &LIMITS);
                assert_eq!(env.trigger, trigger, "{place}");
                let ins = detector.inspect(&env, Duration::from_secs(5));
                assert_eq!(ins.judged_in_part, 0, "{place}: {p:?} ran out of allowance");
                if !ins.hits.iter().any(|h| h.class == group.class) {
                    misses.push(format!(
                        "{} {place}: {p:?} (hits: {:?})",
                        group.class,
                        ins.hits.iter().map(|h| &h.rule).collect::<Vec<_>>()
                    ));
                    continue;
                }
                let v = decide(&event, &env, &ins, &cfg);
                check_shape(place, trigger, &v.action);
            }
        }
    }
    eprintln!("attack placements checked: {checked}");
    assert!(
        misses.is_empty(),
        "{} missed of {checked}:\n{}",
        misses.len(),
        misses.join("\n")
    );
}

fn check_shape(place: &str, trigger: Trigger, action: &Action) {
    match (trigger, action) {
        (t, Action::Respond(r)) if t.is_http() => {
            assert_eq!(r["statusCode"], 403, "{place}");
            assert!(r["body"].as_str().unwrap().contains("Forbidden"), "{place}");
        }
        (Trigger::Sqs, Action::Respond(r)) => {
            assert!(r["batchItemFailures"][0]["itemIdentifier"]
                .as_str()
                .unwrap()
                .starts_with("bad"));
        }
        (
            Trigger::Sqs,
            Action::Filter {
                event,
                report_failures,
                ..
            },
        ) => {
            assert_eq!(report_failures, &["bad-2".to_string()], "{place}");
            assert_eq!(event["Records"].as_array().unwrap().len(), 1, "{place}");
        }
        (Trigger::Kinesis | Trigger::DynamoDb, Action::Respond(r)) => {
            assert_eq!(
                r,
                &json!({"batchItemFailures": []}),
                "{place}: a stream must not retry"
            );
        }
        (Trigger::Sns | Trigger::S3 | Trigger::EventBridge, Action::Respond(r)) => {
            assert!(r.is_null(), "{place}")
        }
        (Trigger::Unknown, Action::Error { .. }) => {}
        _ => panic!("{place}: unexpected answer {action:?}"),
    }
}

#[test]
fn benign_values_in_every_trigger_raise_nothing() {
    let detector = Detector::builtin().unwrap();
    let benign: Benign = toml::from_str(&corpus("benign.toml")).unwrap();
    let mut false_positives = Vec::new();
    let mut checked = 0;
    for text in &benign.values {
        for (place, _, event) in placements(text, &Value::String(text.clone()), true) {
            checked += 1;
            let env = decode(&event, &LIMITS);
            let ins = detector.inspect(&env, Duration::from_secs(5));
            assert_eq!(
                ins.judged_in_part, 0,
                "{place}: {text:?} ran out of allowance"
            );
            for h in ins.hits {
                false_positives.push(format!("{place}: {text:?} → {} ({})", h.rule, h.excerpt));
            }
        }
    }
    eprintln!("benign placements checked: {checked}");
    assert!(false_positives.is_empty(), "{}", false_positives.join("\n"));
}

#[test]
fn real_shaped_benign_events_pass_untouched() {
    let detector = Detector::builtin().unwrap();
    let dir = format!("{}/tests/corpus/events", env!("CARGO_MANIFEST_DIR"));
    let mut seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let event: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let env = decode(&event, &LIMITS);
        seen.insert(format!("{:?}", env.trigger));
        assert!(
            !env.fields.is_empty() || env.trigger == Trigger::EventBridge,
            "{path:?}"
        );
        let ins = detector.inspect(&env, Duration::from_secs(5));
        assert!(ins.hits.is_empty(), "{path:?}: {:#?}", ins.hits);
        assert_eq!(ins.judged_in_part, 0, "{path:?} ran out of allowance");
        assert!(env.violations.is_empty(), "{path:?}: {:?}", env.violations);
        assert_eq!(decide(&event, &env, &ins, &block()).action, Action::Pass);
    }
    // Every trigger type the shield decodes has a real-shaped sample.
    assert_eq!(seen.len(), 14, "{seen:?}");
}
