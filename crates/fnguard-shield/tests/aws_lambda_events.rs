//! No false positives on the sample events published with the `aws_lambda_events` crate (the
//! Rust runtime's event types; 170-odd real-shaped events of every AWS service). The crate is a
//! dev-dependency only so that cargo downloads it; its fixtures are read from where cargo put it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use fnguard_shield::config::{Config, Mode};
use fnguard_shield::envelope::{decode, Limits};
use fnguard_shield::inspect::Detector;
use fnguard_shield::verdict::{decide, Action};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// `$CARGO_HOME/registry/src/*/aws_lambda_events-<locked version>/src/fixtures`.
fn fixtures_dir() -> Option<PathBuf> {
    let lock =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock")).ok()?;
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"aws_lambda_events\""))?
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))?
        .trim_end_matches('"')
        .to_string();
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    std::fs::read_dir(home.join("registry/src"))
        .ok()?
        .flatten()
        .map(|index| {
            index
                .path()
                .join(format!("aws_lambda_events-{version}/src/fixtures"))
        })
        .find(|d| d.is_dir())
}

#[test]
fn published_sample_events_raise_nothing() {
    let Some(dir) = fixtures_dir() else {
        eprintln!("skipping: aws_lambda_events fixtures not found");
        return;
    };
    let detector = Detector::builtin().unwrap();
    let limits = Limits {
        max_body_bytes: 6 << 20,
        max_depth: 64,
        max_keys: 10_000,
    };
    let cfg = Config {
        mode: Mode::Block,
        ..Config::default()
    };
    let mut checked = 0;
    let mut false_positives = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Ok(event) = serde_json::from_slice::<Value>(&std::fs::read(&path).unwrap()) else {
            continue;
        };
        checked += 1;
        let env = decode(&event, &limits);
        let ins = detector.inspect(&env, Duration::from_secs(5));
        for h in &ins.hits {
            false_positives.push(format!(
                "{}: {} {} ({})",
                path.file_name().unwrap().to_string_lossy(),
                h.rule,
                h.path,
                h.excerpt
            ));
        }
        for v in &env.violations {
            false_positives.push(format!(
                "{}: limit {} {}",
                path.file_name().unwrap().to_string_lossy(),
                v.path,
                v.what
            ));
        }
        if ins.hits.is_empty() && env.violations.is_empty() {
            assert_eq!(decide(&event, &env, &ins, &cfg).action, Action::Pass);
        }
    }
    eprintln!("aws_lambda_events fixtures checked: {checked}");
    assert!(checked > 100, "only {checked} fixtures");
    assert!(
        false_positives.is_empty(),
        "{} false positives:\n{}",
        false_positives.len(),
        false_positives.join("\n")
    );
}
