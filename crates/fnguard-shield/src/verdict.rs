//! What to do with an inspected event, answered in the trigger's own shape: HTTP triggers get a
//! 403 in their response format without waking the handler; SQS batches lose the bad records
//! (reported as batch item failures when configured) and never fail as a whole; stream batches
//! are filtered; Firehose transformations answer the bad records `ProcessingFailed` and the
//! handler transforms the rest; asynchronous events are dropped; unknown invocations get an
//! error.

use crate::config::{BatchBlocked, Config, FailMode, Mode};
use crate::envelope::{Envelope, Trigger};
use crate::inspect::Inspection;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The event goes to the handler byte for byte.
    Pass,
    /// The shield answers the invocation itself; the handler never sees the event.
    Respond(Value),
    /// The shield reports an invocation error (unknown triggers: no safe answer exists).
    Error { error_type: String, message: String },
    /// The handler gets the batch without the blocked records.
    Filter {
        event: Value,
        /// SQS message ids to add to the handler's `batchItemFailures`.
        report_failures: Vec<String>,
        /// Firehose records to add to the handler's `records` as `ProcessingFailed` (a
        /// transformation must answer for every record it was given).
        processing_failed: Vec<Value>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub action: Action,
    /// Record indexes (or `None` for the whole event) that were judged malicious.
    pub blocked: Vec<Option<usize>>,
    /// Why the verdict fell back to the fail mode, if it did.
    pub fallback: Option<String>,
}

pub fn decide(event: &Value, env: &Envelope, ins: &Inspection, cfg: &Config) -> Verdict {
    let mut bad: Vec<Option<usize>> = ins
        .hits
        .iter()
        .map(|h| h.record)
        .chain(env.violations.iter().map(|v| v.record))
        .collect();
    bad.sort();
    bad.dedup();
    let mut why = Vec::new();
    if ins.incomplete {
        why.push(format!(
            "inspection budget spent after {} of {} values; {} long value(s) after it inspected only at their start and end",
            ins.fields_inspected,
            env.fields.len(),
            ins.partial_fields
        ));
    }
    if ins.judged_in_part > 0 {
        why.push(format!(
            "{} value(s) dense with operators or keywords from end to end ran out of their detectors' work allowance and were judged only at their start and end",
            ins.judged_in_part
        ));
    }
    let fallback = (!why.is_empty()).then(|| why.join("; "));
    if fallback.is_some() && cfg.fail == FailMode::Closed {
        bad = vec![None];
    }
    if bad.is_empty() || cfg.mode == Mode::Monitor {
        return Verdict {
            action: Action::Pass,
            blocked: bad,
            fallback,
        };
    }
    let whole = bad.contains(&None);
    let action = match env.trigger {
        t if t.is_http() => Action::Respond(http_denial(env, t)),
        Trigger::Sqs | Trigger::Kinesis | Trigger::DynamoDb | Trigger::Sns | Trigger::S3 => {
            batch(event, env, &bad, whole, cfg)
        }
        Trigger::EventBridge | Trigger::CloudWatchLogs => Action::Respond(Value::Null),
        Trigger::Firehose => firehose(event, env, &bad, whole),
        Trigger::Kafka | Trigger::ActiveMq | Trigger::RabbitMq | Trigger::DocumentDb => {
            unanswered_batch(event, env, &bad, whole)
        }
        _ => Action::Error {
            error_type: "FnguardShield.Blocked".into(),
            message: "the event was blocked by fnguard-shield".into(),
        },
    };
    Verdict {
        action,
        blocked: bad,
        fallback,
    }
}

fn http_denial(env: &Envelope, t: Trigger) -> Value {
    let size = env.violations.iter().any(|v| v.what.contains("bytes"));
    let structure = !env.violations.is_empty() && !size;
    let (status, text) = if size {
        (413, "Payload Too Large")
    } else if structure {
        (400, "Bad Request")
    } else {
        (403, "Forbidden")
    };
    let body = json!({ "message": text }).to_string();
    match t {
        Trigger::Alb if env.multi_value_headers => json!({
            "statusCode": status,
            "statusDescription": format!("{status} {text}"),
            "multiValueHeaders": { "Content-Type": ["application/json"] },
            "body": body,
            "isBase64Encoded": false,
        }),
        Trigger::Alb => json!({
            "statusCode": status,
            "statusDescription": format!("{status} {text}"),
            "headers": { "Content-Type": "application/json" },
            "body": body,
            "isBase64Encoded": false,
        }),
        _ => json!({
            "statusCode": status,
            "headers": { "Content-Type": "application/json" },
            "body": body,
            "isBase64Encoded": false,
        }),
    }
}

fn batch(
    event: &Value,
    env: &Envelope,
    bad: &[Option<usize>],
    whole: bool,
    cfg: &Config,
) -> Action {
    let n = env.records.len();
    let blocked: Vec<usize> = if whole {
        (0..n).collect()
    } else {
        bad.iter().flatten().copied().collect()
    };
    let sqs_report = env.trigger == Trigger::Sqs && cfg.batch_blocked == BatchBlocked::Report;
    let failures: Vec<String> = if sqs_report {
        blocked
            .iter()
            .filter_map(|i| env.records.get(*i).cloned())
            .collect()
    } else {
        Vec::new()
    };
    if blocked.len() >= n {
        // Nothing left for the handler. Queues and streams expect a batch response; a stream
        // must not report its records as failed (the shard would retry them forever).
        return Action::Respond(match env.trigger {
            Trigger::Sqs | Trigger::Kinesis | Trigger::DynamoDb => json!({
                "batchItemFailures": failures.iter().map(|id| json!({"itemIdentifier": id})).collect::<Vec<_>>()
            }),
            _ => Value::Null,
        });
    }
    let mut filtered = event.clone();
    if let Some(records) = filtered.get_mut("Records").and_then(Value::as_array_mut) {
        drop_blocked(records, &blocked, &mut 0);
    }
    Action::Filter {
        event: filtered,
        report_failures: failures,
        processing_failed: Vec::new(),
    }
}

/// A transformation must answer for every record: the blocked ones go to the delivery
/// stream's error output (`ProcessingFailed`, data untouched), the handler transforms the rest,
/// and the shield adds the blocked ones to its answer.
fn firehose(event: &Value, env: &Envelope, bad: &[Option<usize>], whole: bool) -> Action {
    let records: &[Value] = event
        .get("records")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let mut blocked: Vec<usize> = if whole {
        (0..records.len().max(env.records.len())).collect()
    } else {
        bad.iter().flatten().copied().collect()
    };
    blocked.sort_unstable();
    blocked.dedup();
    let failed: Vec<Value> = blocked
        .iter()
        .filter_map(|i| records.get(*i))
        .map(|r| {
            json!({
                "recordId": r.get("recordId").cloned().unwrap_or(Value::Null),
                "result": "ProcessingFailed",
                "data": r.get("data").cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    if failed.len() >= records.len() {
        return Action::Respond(json!({ "records": failed }));
    }
    let mut filtered = event.clone();
    if let Some(list) = filtered.get_mut("records").and_then(Value::as_array_mut) {
        drop_blocked(list, &blocked, &mut 0);
    }
    Action::Filter {
        event: filtered,
        report_failures: Vec::new(),
        processing_failed: failed,
    }
}

/// Adds the blocked Firehose records to the handler's `records`; `None` when the answer is not
/// a JSON object (the caller then reports that the records could not be added).
pub fn merge_processing_failed(handler_response: &[u8], failed: &[Value]) -> Option<Vec<u8>> {
    add_to_answer(
        handler_response,
        false,
        "records",
        "recordId",
        failed.to_vec(),
    )
}

/// Removes the records whose batch index (counted on from `next`) is blocked. `blocked` is
/// looked up by binary search: a batch of thousands of records stays linear-logarithmic.
fn drop_blocked(records: &mut Vec<Value>, blocked: &[usize], next: &mut usize) {
    let mut sorted = blocked.to_vec();
    sorted.sort_unstable();
    records.retain(|_| {
        let keep = sorted.binary_search(next).is_err();
        *next += 1;
        keep
    });
}

/// Batches of sources that take no partial answer (Kafka, Amazon MQ, DocumentDB change streams:
/// Lambda acknowledges the whole batch when the handler succeeds and ignores what it returns)
/// lose the blocked records; when none is left the shield answers `null`.
fn unanswered_batch(event: &Value, env: &Envelope, bad: &[Option<usize>], whole: bool) -> Action {
    let n = env.records.len();
    let blocked: Vec<usize> = if whole {
        (0..n).collect()
    } else {
        bad.iter().flatten().copied().collect()
    };
    if blocked.len() >= n {
        return Action::Respond(Value::Null);
    }
    let mut filtered = event.clone();
    let mut i = 0;
    // Records in the order the envelope numbered them: one list, or lists by topic or queue.
    let (field, grouped) = match env.trigger {
        Trigger::ActiveMq => ("messages", false),
        Trigger::DocumentDb => ("events", false),
        Trigger::RabbitMq => ("rmqMessagesByQueue", true),
        _ => ("records", true),
    };
    match filtered.get_mut(field) {
        Some(Value::Object(groups)) if grouped => {
            for list in groups.values_mut() {
                if let Some(records) = list.as_array_mut() {
                    drop_blocked(records, &blocked, &mut i);
                }
            }
        }
        Some(Value::Array(records)) if !grouped => drop_blocked(records, &blocked, &mut i),
        _ => {}
    }
    Action::Filter {
        event: filtered,
        report_failures: Vec::new(),
        processing_failed: Vec::new(),
    }
}

/// Adds the blocked SQS records to the handler's own response: `null`, `{}` or a response
/// that already lists failures.
pub fn merge_batch_failures(handler_response: &[u8], ids: &[String]) -> Option<Vec<u8>> {
    let items = ids
        .iter()
        .map(|id| json!({ "itemIdentifier": id }))
        .collect();
    add_to_answer(
        handler_response,
        true,
        "batchItemFailures",
        "itemIdentifier",
        items,
    )
}

/// Adds `items` to the list `key` of the handler's answer (created when missing), except
/// those whose `id` it already lists. `None` when the answer is not a JSON object; an empty or
/// `null` answer counts as `{}` where `empty_is_object`.
fn add_to_answer(
    handler_response: &[u8],
    empty_is_object: bool,
    key: &str,
    id: &str,
    items: Vec<Value>,
) -> Option<Vec<u8>> {
    let mut v: Value = if empty_is_object && handler_response.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(handler_response).ok()?
    };
    if empty_is_object && v.is_null() {
        v = json!({});
    }
    let list = v
        .as_object_mut()?
        .entry(key)
        .or_insert_with(|| Value::Array(Vec::new()));
    if list.is_null() {
        *list = Value::Array(Vec::new());
    }
    let arr = list.as_array_mut()?;
    for item in items {
        if !arr.iter().any(|x| x.get(id) == item.get(id)) {
            arr.push(item);
        }
    }
    serde_json::to_vec(&v).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::envelope::{decode, Limits};
    use crate::inspect::Detector;
    use std::time::Duration;

    fn run(event: Value, cfg: &Config) -> Verdict {
        let env = decode(
            &event,
            &Limits {
                max_body_bytes: 1 << 20,
                max_depth: 32,
                max_keys: 1000,
            },
        );
        let ins = Detector::builtin()
            .unwrap()
            .inspect(&env, Duration::from_secs(1));
        decide(&event, &env, &ins, cfg)
    }

    fn block() -> Config {
        Config {
            mode: Mode::Block,
            ..Config::default()
        }
    }

    #[test]
    fn a_value_judged_in_part_is_reported_and_fails_as_configured() {
        // A command every four bytes, from end to end: more than the shell detector's
        // allowance, with nothing found in what it judged.
        let dense = ";cat".repeat(4_000);
        let event = json!({"version": "2.0", "rawPath": "/x", "body": dense,
            "requestContext": {"http": {"method": "POST"}}});
        let open = run(event.clone(), &block());
        assert_eq!(open.action, Action::Pass);
        assert!(
            open.fallback
                .as_deref()
                .is_some_and(|f| f.contains("1 value(s) dense")),
            "{:?}",
            open.fallback
        );
        let closed = Config {
            fail: FailMode::Closed,
            ..block()
        };
        let v = run(event, &closed);
        assert_eq!(v.blocked, vec![None]);
        assert!(matches!(v.action, Action::Respond(_)), "{:?}", v.action);
    }

    #[test]
    fn sqs_batches_lose_only_the_bad_record_and_report_it() {
        let event = json!({"Records": [
            {"eventSource": "aws:sqs", "messageId": "good", "body": "hello"},
            {"eventSource": "aws:sqs", "messageId": "bad", "body": "x; cat /etc/passwd"}
        ]});
        let v = run(event, &block());
        let Action::Filter {
            event,
            report_failures,
            processing_failed,
        } = v.action
        else {
            panic!("{:?}", v.action)
        };
        assert!(processing_failed.is_empty());
        assert_eq!(event["Records"].as_array().unwrap().len(), 1);
        assert_eq!(event["Records"][0]["messageId"], "good");
        assert_eq!(report_failures, ["bad"]);
        let merged = merge_batch_failures(b"null", &report_failures).unwrap();
        assert_eq!(
            String::from_utf8(merged).unwrap(),
            r#"{"batchItemFailures":[{"itemIdentifier":"bad"}]}"#
        );
    }

    #[test]
    fn amazon_mq_and_documentdb_batches_lose_only_the_bad_records() {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let filtered = |event: Value| match run(event, &block()).action {
            Action::Filter {
                event,
                report_failures,
                processing_failed,
            } => {
                assert!(report_failures.is_empty() && processing_failed.is_empty());
                event
            }
            other => panic!("{other:?}"),
        };
        let event = filtered(json!({"eventSource": "aws:mq", "messages": [
            {"messageID": "good", "data": b64("hello")},
            {"messageID": "bad", "data": b64("x; cat /etc/passwd")},
            {"messageID": "good too", "data": b64("bye")}]}));
        let ids: Vec<&Value> = event["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| &m["messageID"])
            .collect();
        assert_eq!(ids, ["good", "good too"]);

        let event = filtered(json!({"eventSource": "aws:rmq", "rmqMessagesByQueue": {
            "a::/": [{"data": b64("hello")}],
            "b::/": [{"data": b64("x; cat /etc/passwd")}, {"data": b64("fine")}]}}));
        let queues = &event["rmqMessagesByQueue"];
        assert_eq!(queues["a::/"].as_array().unwrap().len(), 1);
        assert_eq!(queues["b::/"].as_array().unwrap().len(), 1);
        assert_eq!(queues["b::/"][0]["data"], b64("fine"));

        let event = filtered(json!({"eventSource": "aws:docdb", "events": [
            {"event": {"_id": {"_data": "1"}, "fullDocument": {"bio": "../../../../etc/passwd"}}},
            {"event": {"_id": {"_data": "2"}, "fullDocument": {"bio": "hello"}}}]}));
        assert_eq!(event["events"].as_array().unwrap().len(), 1);
        assert_eq!(event["events"][0]["event"]["_id"]["_data"], "2");

        // Nothing left for the handler: the shield answers for it.
        let v = run(
            json!({"eventSource": "aws:mq", "messages": [{"messageID": "bad", "data": b64("x; cat /etc/passwd")}]}),
            &block(),
        );
        assert_eq!(v.action, Action::Respond(Value::Null));
    }

    #[test]
    fn firehose_batches_send_only_the_bad_record_to_the_error_output() {
        use base64::Engine;
        let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
        let event = json!({
            "invocationId": "i",
            "deliveryStreamArn": "arn:aws:firehose:eu-west-1:1:deliverystream/s",
            "region": "eu-west-1",
            "records": [
                {"recordId": "good", "approximateArrivalTimestamp": 1, "data": b64("{\"user\": \"ann\"}")},
                {"recordId": "bad", "approximateArrivalTimestamp": 1, "data": b64("{\"user\": \"x; cat /etc/passwd\"}")},
                {"recordId": "also-good", "approximateArrivalTimestamp": 1, "data": b64("{\"user\": \"bo\"}")}
            ]
        });
        let v = run(event.clone(), &block());
        assert_eq!(v.blocked, [Some(1)]);
        let Action::Filter {
            event: filtered,
            report_failures,
            processing_failed,
        } = v.action
        else {
            panic!("{:?}", v.action)
        };
        assert!(report_failures.is_empty());
        let ids: Vec<&Value> = filtered["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["recordId"])
            .collect();
        assert_eq!(ids, ["good", "also-good"]);
        assert_eq!(
            processing_failed,
            [
                json!({"recordId": "bad", "result": "ProcessingFailed", "data": event["records"][1]["data"]})
            ]
        );
        // The handler transformed the two it got; the answer names all three.
        let handler = br#"{"records": [{"recordId": "good", "result": "Ok", "data": "e30="}, {"recordId": "also-good", "result": "Dropped", "data": ""}]}"#;
        let merged: Value =
            serde_json::from_slice(&merge_processing_failed(handler, &processing_failed).unwrap())
                .unwrap();
        let results: Vec<(&str, &str)> = merged["records"]
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
            [
                ("good", "Ok"),
                ("also-good", "Dropped"),
                ("bad", "ProcessingFailed")
            ]
        );
        assert!(merge_processing_failed(b"not json", &processing_failed).is_none());
    }

    #[test]
    fn firehose_batches_with_every_record_bad_are_answered_by_the_shield() {
        use base64::Engine;
        let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
        let event = json!({
            "invocationId": "i",
            "deliveryStreamArn": "arn:aws:firehose:eu-west-1:1:deliverystream/s",
            "records": [{"recordId": "bad", "approximateArrivalTimestamp": 1, "data": b64("' or 1=1 --")}]
        });
        let Action::Respond(r) = run(event, &block()).action else {
            panic!()
        };
        assert_eq!(r["records"][0]["result"], "ProcessingFailed");
        assert_eq!(r["records"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn monitor_mode_passes_and_remembers() {
        let event =
            json!({"Records": [{"eventSource": "aws:sqs", "messageId": "bad", "body": "; id"}]});
        let v = run(event, &Config::default());
        assert_eq!(v.action, Action::Pass);
        assert_eq!(v.blocked, [Some(0)]);
    }

    #[test]
    fn alb_denials_follow_the_header_mode() {
        let event = json!({"httpMethod": "GET", "path": "/../../etc/passwd", "requestContext": {"elb": {}}, "multiValueHeaders": {"host": ["x"]}});
        let Action::Respond(r) = run(event, &block()).action else {
            panic!()
        };
        assert_eq!(r["statusDescription"], "403 Forbidden");
        assert!(r.get("multiValueHeaders").is_some() && r.get("headers").is_none());
    }
}
