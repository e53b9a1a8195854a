//! Second-order flows across functions: event data one function stores in a DynamoDB table, an
//! S3 bucket or an SQS queue is event data for the function that reads the store or is
//! triggered by it, and the finding's path names the writer, its write and its source.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// (rule, function, file:line, first note of the path in the finding's own file, where the
/// path starts) of every practice-5 finding.
fn findings(case: &str) -> Vec<(String, String, String, String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/second_order")
        .join(case);
    let empty_db = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("fnguard")
        .unwrap()
        .args([
            "scan",
            "--select",
            "FG5",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--db",
        ])
        .arg(empty_db.path())
        .arg(&dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["errors"].as_array().unwrap().is_empty(), "{case}: {v}");
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["location"]["file"].as_str().unwrap();
            let path = f["evidence"]["path"].as_array().unwrap();
            let own = path
                .iter()
                .find(|s| s["file"].as_str() == Some(file))
                .and_then(|s| s["note"].as_str())
                .unwrap_or_default();
            let start = format!("{}:{}", path[0]["file"].as_str().unwrap(), path[0]["line"]);
            (
                f["rule"].as_str().unwrap().to_string(),
                f["function"].as_str().unwrap_or("-").to_string(),
                format!("{file}:{}", f["location"]["line"]),
                own.to_string(),
                start,
            )
        })
        .collect()
}

#[test]
fn a_table_item_written_from_the_event_is_event_data_for_its_reader() {
    let found = findings("dynamodb/vulnerable");
    let (rule, function, at, note, start) = &found[0];
    // The path begins at the writer's event parameter, in the writer's file.
    assert_eq!(start, "writer/app.py:7");
    assert_eq!(
        (rule.as_str(), function.as_str(), at.as_str()),
        ("FG501", "Reader", "reader/app.py:9")
    );
    assert_eq!(
        note,
        "data read from `NotesTable`, where function `Writer` stores its event data there \
         (dynamodb:PutItem at writer/app.py:9, from writer/app.py:7)"
    );
    assert!(findings("dynamodb/safe").is_empty());
}

#[test]
fn an_object_written_from_the_event_is_event_data_for_its_reader() {
    let found = findings("s3/vulnerable");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "FG503");
    assert!(found[0]
        .3
        .starts_with("data read from `UploadsBucket`, where function `Writer`"));
    assert!(findings("s3/safe").is_empty());
}

#[test]
fn a_queue_consumer_names_the_function_that_queued_the_event_data() {
    let found = findings("sqs/vulnerable");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "FG502");
    assert_eq!(found[0].4, "writer/app.py:7");
    assert!(
        found[0]
            .3
            .starts_with("the event parameter: records of `JobsQueue`, where function `Writer`"),
        "{found:?}"
    );
    // A queue's messages are untrusted whoever sends them; only the path says less.
    let safe = findings("sqs/safe");
    assert_eq!(safe.len(), 1);
    assert_eq!(safe[0].3, "the event parameter");
    assert_eq!(safe[0].4, "reader/app.py:1");
}

#[test]
fn javascript_sdk_v3_reads_and_writes_carry_the_flow_too() {
    let found = findings("dynamodb-js/vulnerable");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (
            found[0].0.as_str(),
            found[0].2.as_str(),
            found[0].4.as_str()
        ),
        ("FG501", "reader/index.js:8", "writer/index.js:5")
    );
    assert_eq!(
        found[0].3,
        "data read from `NotesTable`, where function `Writer` stores its event data there \
         (dynamodb:PutItem at writer/index.js:7, from writer/index.js:5)"
    );
    assert!(findings("dynamodb-js/safe").is_empty());
}

#[test]
fn an_event_put_on_a_bus_is_event_data_for_the_rules_target() {
    let found = findings("eventbridge/vulnerable");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "FG503");
    assert_eq!(found[0].4, "writer/app.py:7");
    assert!(found[0]
        .3
        .starts_with("the event parameter: events of `OrdersBus`, where function `Writer`"));
    // The target's events are untrusted whoever puts them; only the path is shorter.
    let safe = findings("eventbridge/safe");
    assert_eq!(safe.len(), 1);
    assert_eq!(safe[0].4, "reader/app.py:4");
}

#[test]
fn a_javascript_writer_reaches_a_python_rule_target() {
    let found = findings("eventbridge-js/vulnerable");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].4.as_str()),
        ("FG503", "writer/index.js:4")
    );
}

#[test]
fn events_put_on_the_default_bus_reach_the_rules_whose_pattern_matches_their_source() {
    let found = findings("eventbridge-default/vulnerable");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "FG503");
    assert_eq!(found[0].4, "writer/app.py:7");
    assert!(
        found[0].3.starts_with(
            "the event parameter: events of `default event bus`, where function `writer`"
        ),
        "{found:?}"
    );
    // A rule for another source never sees the writer's events: the path starts at the target.
    let other = findings("eventbridge-default/other-source");
    assert_eq!(other.len(), 1, "{other:?}");
    assert_eq!(other[0].4, "reader/app.py:4");
}

#[test]
fn a_javascript_writer_naming_the_default_bus_reaches_a_cloudformation_rule() {
    let found = findings("eventbridge-default-js/vulnerable");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].4.as_str()),
        ("FG503", "writer/index.js:4")
    );
}
