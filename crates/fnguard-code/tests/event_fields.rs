//! Which field of the event reaches a sink (`CodeFinding.event_fields`): what `fnguard shield
//! policy` hands the runtime shield. Member access, parsing and getters keep the field; string
//! building and other calls end it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use fnguard_code::{analyze_function, Language};

fn fields(file: &str, text: &str, handler: &str, lang: Language) -> Vec<(String, Vec<String>)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file), text).unwrap();
    let facts = analyze_function(dir.path(), dir.path(), handler, lang);
    facts
        .findings
        .iter()
        .map(|f| (f.rule.clone(), f.event_fields.clone()))
        .collect()
}

#[test]
fn python_fields_through_records_parsing_and_get() {
    let got = fields(
        "app.py",
        r#"
import json, os, subprocess
from urllib.parse import urlparse
import requests

def handler(event, context):
    for record in event["Records"]:
        body = json.loads(record["body"])
        subprocess.run("echo " + body["name"], shell=True)
    q = event.get("queryStringParameters") or {}
    open(os.path.join("/tmp", q["file"]))
    u = urlparse(event["download_url"])
    requests.get("http://" + u.netloc + u.path)
"#,
        "app.handler",
        Language::Python,
    );
    assert!(
        got.contains(&("FG501".into(), vec!["Records.body.name".into()])),
        "{got:?}"
    );
    assert!(
        got.contains(&("FG506".into(), vec!["queryStringParameters.file".into()])),
        "{got:?}"
    );
    // `urlparse(...)` returns a new object: its `.path` is not an event field.
    assert!(
        got.contains(&("FG507".into(), vec!["download_url".into()])),
        "{got:?}"
    );
}

#[test]
fn javascript_fields_through_json_parse_and_destructuring() {
    let got = fields(
        "app.js",
        r#"
const { exec } = require("child_process");
exports.handler = async (event) => {
  const data = JSON.parse(event.body);
  exec(`ls ${data.dir}`);
  const { id } = event.pathParameters;
  await db.query("SELECT * FROM t WHERE id = " + id);
};
"#,
        "app.handler",
        Language::JavaScript,
    );
    assert!(
        got.contains(&("FG501".into(), vec!["body.dir".into()])),
        "{got:?}"
    );
    assert!(
        got.contains(&("FG504".into(), vec!["pathParameters.id".into()])),
        "{got:?}"
    );
}
