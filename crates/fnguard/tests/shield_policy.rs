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

/// `fnguard shield policy APP -o DIR/policy.json` for `app` (relative to this crate): the
/// file's path, its text and what it says.
fn write_policy(app: &str, dir: &std::path::Path) -> (std::path::PathBuf, String, PolicyFile) {
    let out = dir.join("policy.json");
    let app = format!("{}/{app}", env!("CARGO_MANIFEST_DIR"));
    Command::cargo_bin("fnguard")
        .unwrap()
        .args(["shield", "policy", &app, "--no-progress", "-o"])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let file = serde_json::from_str(&text).unwrap();
    (out, text, file)
}

#[test]
fn the_policy_of_the_example_guides_the_shield() {
    let dir = tempfile::tempdir().unwrap();
    let (out, text, file) = write_policy("../../examples/orders-api", dir.path());
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

/// Broker and change-stream batches: the analysis names the record's field as the handler
/// reads it (`messages.data`, decoded from base64 in the handler; `events.event.fullDocument`),
/// and the shield, which reads the same records one by one, checks that field strictly.
#[test]
fn the_policy_of_broker_and_change_stream_handlers_guides_the_shield() {
    let dir = tempfile::tempdir().unwrap();
    let (out, text, file) = write_policy("tests/fixtures/shield_brokers", dir.path());
    let paths = |name: &str| -> Vec<String> {
        let f = file
            .functions
            .iter()
            .find(|f| f.names.iter().any(|n| n == name))
            .unwrap();
        assert!(f.complete, "{text}");
        f.fields.iter().map(|p| p.path.clone()).collect()
    };
    assert_eq!(paths("PrintJobs"), ["messages.data"]);
    assert_eq!(paths("Thumbnails"), ["events.event.fullDocument.file"]);

    let detector = Detector::builtin().unwrap();
    let limits = Limits {
        max_body_bytes: 1 << 20,
        max_depth: 64,
        max_keys: 1000,
    };
    // A plain word after `;` is no known command: only a field known to reach a shell is
    // blocked for it.
    let data = "eC5wZGY7IGZyb2JuaWNhdGU="; // base64 of `x.pdf; frobnicate`
    let activemq = json!({"eventSource": "aws:mq",
        "eventSourceArn": "arn:aws:mq:us-east-1:123456789012:broker:print-jobs:b-1",
        "messages": [{"messageID": "ID:1", "messageType": "jms/text-message", "data": data,
            "destination": {"physicalName": "print-jobs"}, "properties": {}}]});
    let documentdb = json!({"eventSource": "aws:docdb",
        "eventSourceArn": "arn:aws:rds:us-east-1:123456789012:cluster:photos",
        "events": [{"event": {"_id": {"_data": "0163"}, "operationType": "insert",
            "ns": {"db": "photos", "coll": "uploads"},
            "fullDocument": {"_id": {"$oid": "6"}, "file": "x.jpg; frobnicate"}}}]});
    let blocking = |name: &str, event: &serde_json::Value| {
        let policy = Active::load(out.to_str().unwrap(), name, None).unwrap();
        let env = decode(event, &limits);
        let sinks = |f: &fnguard_shield::envelope::Field| policy.sinks_for(&f.path);
        let ins = detector.inspect_with(&env, Duration::from_secs(5), &sinks);
        policy.split(ins.hits).0
    };
    let hits = blocking("PrintJobs", &activemq);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].class, "command-injection");
    assert_eq!(hits[0].record, Some(0));
    let hits = blocking("Thumbnails", &documentdb);
    assert_eq!(hits.len(), 1, "{hits:?}");
    // Each function's policy lists its own field only.
    assert!(blocking("PrintJobs", &documentdb).is_empty());
    assert!(blocking("Thumbnails", &activemq).is_empty());
}
