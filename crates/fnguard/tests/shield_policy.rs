//! `fnguard shield policy` end to end: the file it writes for the bundled example is read by
//! the shield, which then checks the field the analysis saw reach a shell strictly and the
//! other fields in the policy's rest mode.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use fnguard_shield::detect::Sinks;
use fnguard_shield::envelope::{decode, Limits};
use fnguard_shield::inspect::Detector;
use fnguard_shield::policy::{Active, PolicyFile, RestMode};
use serde_json::json;
use std::time::Duration;

#[test]
fn the_policy_of_the_example_guides_the_shield() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("policy.json");
    let example = format!("{}/../../examples/orders-api", env!("CARGO_MANIFEST_DIR"));
    Command::cargo_bin("fnguard")
        .unwrap()
        .args(["shield", "policy", &example, "--no-progress", "-o"])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let file: PolicyFile = serde_json::from_str(&text).unwrap();
    let admin = file
        .functions
        .iter()
        .find(|f| f.names.iter().any(|n| n == "adminExport"))
        .unwrap();
    assert!(admin.complete);
    assert_eq!(admin.rest, RestMode::Monitor);
    assert_eq!(admin.fields.len(), 1, "{text}");
    assert_eq!(admin.fields[0].path, "queryStringParameters.name");
    assert_eq!(admin.fields[0].sinks, ["shell"]);

    // The deployed name finds the entry; the listed field is checked as a shell argument.
    let policy = Active::load(out.to_str().unwrap(), "orders-api-dev-adminExport", None).unwrap();
    assert!(policy.sinks_for("queryStringParameters.name").shell);
    assert_eq!(
        policy.sinks_for("queryStringParameters.page"),
        Sinks::default()
    );
    let detector = Detector::builtin().unwrap();
    let limits = Limits {
        max_body_bytes: 1 << 20,
        max_depth: 64,
        max_keys: 1000,
    };
    let event = |field: &str| {
        json!({"resource": "/export", "path": "/export", "httpMethod": "GET", "headers": {},
            "requestContext": {"stage": "dev"},
            "queryStringParameters": { field: "report; frobnicate" }})
    };
    let inspect = |field: &str| {
        let env = decode(&event(field), &limits);
        let sinks = |f: &fnguard_shield::envelope::Field| policy.sinks_for(&f.path);
        let ins = detector.inspect_with(&env, Duration::from_secs(5), &sinks);
        policy.split(ins.hits)
    };
    // Any command after `;` in the field that reaches `execSync`: blocked.
    let (blocking, _) = inspect("name");
    assert_eq!(blocking.len(), 1, "{blocking:?}");
    assert_eq!(blocking[0].class, "command-injection");
    // The same text elsewhere is not a known command in a shell shape: nothing.
    let (blocking, monitored) = inspect("page");
    assert!(blocking.is_empty() && monitored.is_empty());
    // A generic hit on an unlisted field is only monitored under this policy.
    let env = decode(
        &json!({"resource": "/export", "path": "/export", "httpMethod": "GET", "headers": {},
            "requestContext": {"stage": "dev"}, "queryStringParameters": {"page": "1 UNION SELECT password FROM users"}}),
        &limits,
    );
    let ins = detector.inspect(&env, Duration::from_secs(5));
    let (blocking, monitored) = policy.split(ins.hits);
    assert!(blocking.is_empty());
    assert_eq!(monitored[0].class, "sql-injection");
}
