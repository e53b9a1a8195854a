//! What to do with an inspected event, answered in the trigger's own shape: HTTP triggers get a
//! 403 in their response format without waking the handler; SQS batches lose the bad records
//! (reported as batch item failures when configured) and never fail as a whole; stream batches
//! are filtered; asynchronous events are dropped; unknown invocations get an error.

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
    let mut fallback = None;
    if ins.incomplete {
        fallback = Some(format!(
            "inspection budget spent after {} of {} values; {} long value(s) after it inspected only at their start and end",
            ins.fields_inspected,
            env.fields.len(),
            ins.partial_fields
        ));
        if cfg.fail == FailMode::Closed {
            bad = vec![None];
        }
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
        // A transformation must answer for every record; the handler cannot run on part of
        // the batch, so every record goes to the stream's error output, data untouched.
        Trigger::Firehose => Action::Respond(json!({
            "records": event.get("records").and_then(Value::as_array).into_iter().flatten().map(|r| json!({
                "recordId": r.get("recordId").cloned().unwrap_or(Value::Null),
                "result": "ProcessingFailed",
                "data": r.get("data").cloned().unwrap_or(Value::Null),
            })).collect::<Vec<_>>()
        })),
        Trigger::Kafka => kafka(event, env, &bad, whole),
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
    }
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

/// Kafka batches lose the blocked records; Lambda ignores a Kafka handler's answer, so when
/// none is left the shield answers `null`.
fn kafka(event: &Value, env: &Envelope, bad: &[Option<usize>], whole: bool) -> Action {
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
    if let Some(topics) = filtered.get_mut("records").and_then(Value::as_object_mut) {
        for list in topics.values_mut() {
            if let Some(records) = list.as_array_mut() {
                drop_blocked(records, &blocked, &mut i);
            }
        }
    }
    Action::Filter {
        event: filtered,
        report_failures: Vec::new(),
    }
}

/// Adds the blocked SQS records to the handler's own response: `null`, `{}` or a response
/// that already lists failures.
pub fn merge_batch_failures(handler_response: &[u8], ids: &[String]) -> Option<Vec<u8>> {
    let mut v: Value = if handler_response.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(handler_response).ok()?
    };
    if v.is_null() {
        v = json!({});
    }
    let obj = v.as_object_mut()?;
    let list = obj
        .entry("batchItemFailures")
        .or_insert_with(|| Value::Array(Vec::new()));
    if list.is_null() {
        *list = Value::Array(Vec::new());
    }
    let arr = list.as_array_mut()?;
    for id in ids {
        if !arr
            .iter()
            .any(|f| f.get("itemIdentifier").and_then(Value::as_str) == Some(id))
        {
            arr.push(json!({ "itemIdentifier": id }));
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
    fn sqs_batches_lose_only_the_bad_record_and_report_it() {
        let event = json!({"Records": [
            {"eventSource": "aws:sqs", "messageId": "good", "body": "hello"},
            {"eventSource": "aws:sqs", "messageId": "bad", "body": "x; cat /etc/passwd"}
        ]});
        let v = run(event, &block());
        let Action::Filter {
            event,
            report_failures,
        } = v.action
        else {
            panic!("{:?}", v.action)
        };
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
