//! Golden SDK-call cases: for each SDK, the actions found must include at least 95% of the
//! expected ones over the whole set, and nothing that is not expected (no invented actions).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use fnguard_code::{actions_in_source, Language};

fn cases(name: &str) -> Vec<(String, Vec<String>, String)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for block in text.split("### ").skip(1) {
        let (title, rest) = block.split_once('\n').unwrap();
        let (expect, code) = rest.split_once('\n').unwrap();
        let expected = expect
            .trim_start_matches("# expect:")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        out.push((title.to_string(), expected, code.to_string()));
    }
    out
}

fn check(name: &str, lang: Language, min_cases: usize) {
    let cases = cases(name);
    assert!(cases.len() >= min_cases, "{name}: {} cases", cases.len());
    let (mut expected_total, mut found_total) = (0usize, 0usize);
    for (title, expected, code) in &cases {
        let found = actions_in_source(lang, code, false);
        for f in &found {
            assert!(
                expected.contains(f),
                "{name} `{title}`: {f} was not expected (found {found:?})"
            );
        }
        expected_total += expected.len();
        found_total += expected.iter().filter(|e| found.contains(e)).count();
    }
    let recall = found_total as f64 / expected_total.max(1) as f64;
    eprintln!(
        "{name}: {} cases, recall {found_total}/{expected_total}",
        cases.len()
    );
    assert!(
        recall >= 0.95,
        "{name}: recall {recall:.3} ({found_total}/{expected_total})"
    );
}

#[test]
fn boto3_golden_cases() {
    check("boto3.txt", Language::Python, 30);
}

#[test]
fn js_sdk_v3_golden_cases() {
    check("jsv3.txt", Language::JavaScript, 30);
}

#[test]
fn js_sdk_v2_golden_cases() {
    check("jsv2.txt", Language::JavaScript, 30);
}
