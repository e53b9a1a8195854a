//! Every application format loads completely and every rule family works through it: a
//! vulnerable and a safe variant of each (Chalice, Zappa, serverless-wsgi, Mangum, Express
//! behind serverless-http, Terraform and CloudFormation code-location cases), scanned end to
//! end with the committed advisory records.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fnguard() -> Command {
    let mut c = Command::cargo_bin("fnguard").unwrap();
    c.env("FNGUARD_TODAY", "2026-11-28").env("NO_COLOR", "1");
    c
}

/// A database imported once from the advisory records committed with fnguard-deps.
fn database() -> &'static Path {
    static DB: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        fnguard()
            .args(["db", "--db"])
            .arg(dir.path())
            .arg("import")
            .arg(workspace().join("crates/fnguard-deps/tests/fixtures/osv"))
            .assert()
            .success();
        dir
    })
    .path()
}

struct Scan {
    findings: Vec<Value>,
    errors: Vec<Value>,
    functions: Vec<String>,
}

fn scan(case: &str) -> Scan {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats")
        .join(case);
    let out = fnguard()
        .args(["scan", "--format", "json", "--fail-on", "none", "--db"])
        .arg(database())
        .arg(&dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{case}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{case}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Scan {
        findings: v["findings"].as_array().unwrap().clone(),
        errors: v["errors"].as_array().unwrap().clone(),
        functions: v["projects"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["functions"].as_array().unwrap().iter())
            .map(|f| f.as_str().unwrap().to_string())
            .collect(),
    }
}

/// `FG501 function file:line` per finding, sorted: what the snapshot keeps.
fn render(s: &Scan) -> String {
    let mut lines: Vec<String> = s
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}",
                f["rule"].as_str().unwrap(),
                f["function"].as_str().unwrap_or("-"),
                f["location"]["file"].as_str().unwrap(),
                f["location"]["line"]
            )
        })
        .collect();
    lines.sort();
    lines.dedup();
    let mut errors: Vec<String> = s
        .errors
        .iter()
        .filter(|e| !e["file"].as_str().unwrap_or("").starts_with('/'))
        .map(|e| {
            format!(
                "note {}:{} {}",
                e["file"].as_str().unwrap(),
                e["line"],
                e["message"].as_str().unwrap()
            )
        })
        .collect();
    errors.sort();
    lines.extend(errors);
    lines.join("\n")
}

fn rules(s: &Scan) -> BTreeSet<String> {
    s.findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// The vulnerable variant fires in every family listed; the safe one never fires the rules
/// the vulnerable variant was built to show (those that have a fix the format can express).
fn check(case: &str, families: &[&str], fixed_in_safe: &[&str], functions: &[&str]) {
    let bad = scan(&format!("{case}/vulnerable"));
    let fired = rules(&bad);
    for family in families {
        assert!(
            fired.iter().any(|r| r.starts_with(family)),
            "{case}: no {family}xx finding in {fired:?}"
        );
    }
    let mut want: Vec<&str> = functions.to_vec();
    want.sort_unstable();
    let mut got: Vec<&str> = bad.functions.iter().map(String::as_str).collect();
    got.sort_unstable();
    assert_eq!(got, want, "{case}: functions in the model");
    for e in &bad.errors {
        assert_ne!(e["level"], "error", "{case}: {e}");
    }
    insta::assert_snapshot!(
        format!("{}_vulnerable", case.replace('/', "_")),
        render(&bad)
    );
    let good = scan(&format!("{case}/safe"));
    let still: Vec<String> = rules(&good)
        .into_iter()
        .filter(|r| fixed_in_safe.contains(&r.as_str()))
        .collect();
    assert!(
        still.is_empty(),
        "{case}/safe still fires {still:?}:\n{}",
        render(&good)
    );
    insta::assert_snapshot!(format!("{}_safe", case.replace('/', "_")), render(&good));
}

#[test]
fn chalice() {
    check(
        "chalice",
        &["FG2", "FG3", "FG4", "FG5", "FG6", "FG8"],
        &[
            "FG203", "FG206", "FG303", "FG305", "FG401", "FG501", "FG502", "FG503", "FG504",
            "FG506", "FG602", "FG609", "FG801",
        ],
        &["api_handler", "on_upload", "on_job", "nightly", "restore"],
    );
}

#[test]
fn zappa() {
    check(
        "zappa",
        &["FG2", "FG3", "FG4", "FG5", "FG6", "FG8"],
        &[
            "FG203", "FG206", "FG302", "FG303", "FG401", "FG501", "FG506", "FG601", "FG602",
            "FG609", "FG801",
        ],
        &["dev", "prod"],
    );
}

#[test]
fn serverless_wsgi_legacy_handler() {
    check(
        "wsgi",
        &["FG2", "FG3", "FG4", "FG5", "FG6", "FG8"],
        &[
            "FG101", "FG203", "FG302", "FG303", "FG401", "FG501", "FG602", "FG609", "FG801",
            "FG803",
        ],
        &["api"],
    );
}

#[test]
fn mangum() {
    check(
        "mangum",
        &["FG2", "FG3", "FG4", "FG5", "FG6", "FG8"],
        &[
            "FG101", "FG203", "FG308", "FG401", "FG504", "FG602", "FG609", "FG801", "FG803",
        ],
        &["ItemsFunction"],
    );
}

#[test]
fn express_behind_serverless_http() {
    check(
        "express",
        &["FG2", "FG3", "FG4", "FG5", "FG6", "FG8"],
        &[
            "FG101", "FG203", "FG302", "FG303", "FG401", "FG501", "FG601", "FG602", "FG609",
            "FG801",
        ],
        &["app"],
    );
}

#[test]
fn terraform_code_locations_and_roles() {
    check(
        "terraform",
        &["FG2", "FG3", "FG4", "FG5", "FG6", "FG8"],
        &[
            "FG201", "FG301", "FG302", "FG401", "FG501", "FG503", "FG601", "FG602", "FG801",
        ],
        &["aws_lambda_function.api", "aws_lambda_function.worker"],
    );
}

#[test]
fn cloudformation_includes_build_outputs_nested_stacks_and_named_buckets() {
    check(
        "cfn",
        &["FG2", "FG3", "FG4", "FG5", "FG6", "FG8"],
        &[
            "FG203", "FG207", "FG301", "FG401", "FG501", "FG503", "FG602", "FG609", "FG801",
        ],
        &["OrdersFunction", "ProcessUpload", "JobRunner"],
    );
}
