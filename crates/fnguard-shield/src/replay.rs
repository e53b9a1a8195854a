//! `fnguard-shield check FILE`: replays recorded events through the same decoding, rules and
//! verdict as the extension, one JSON verdict per event, so that users can see what block mode
//! would do to their real traffic before turning it on.
//!
//! Input: one JSON event per line (JSON Lines), or a file holding one JSON event. A line that is
//! not JSON gets an error verdict with its line number and the replay goes on.

use crate::config::{Config, Mode};
use crate::envelope::{decode, Limits};
use crate::inspect::Detector;
use crate::policy::Active;
use crate::verdict::decide;
use serde_json::{json, Value};
use std::time::Instant;

/// The verdicts for every event in `text`, in order, under the function's policy if given.
pub fn replay(
    text: &str,
    detector: &Detector,
    cfg: &Config,
    policy: Option<&Active>,
) -> Vec<Value> {
    let events = events(text);
    events
        .into_iter()
        .enumerate()
        .map(|(n, (line, parsed))| match parsed {
            Ok(event) => verdict(n + 1, line, &event, detector, cfg, policy),
            Err(e) => json!({
                "event": n + 1,
                "line": line,
                "error": format!("not a JSON event: {e}"),
            }),
        })
        .collect()
}

/// The events of a file with the line each starts on: the whole text when it is one JSON value
/// spanning several lines, else one per non-empty line.
/// An event and whether it had to be cut to be parsed (`envelope::parse_event`).
type Parsed = Result<(Value, bool), serde_json::Error>;

fn events(text: &str) -> Vec<(usize, Parsed)> {
    let first = text
        .lines()
        .position(|l| !l.trim().is_empty())
        .map(|i| i + 1)
        .unwrap_or(1);
    let multi_line = text.lines().filter(|l| !l.trim().is_empty()).count() > 1;
    if multi_line {
        if let Ok(v) = crate::envelope::parse_event(text.as_bytes()) {
            return vec![(first, Ok(v))];
        }
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, crate::envelope::parse_event(l.as_bytes())))
        .collect()
}

fn verdict(
    n: usize,
    line: usize,
    (event, pruned): &(Value, bool),
    detector: &Detector,
    cfg: &Config,
    policy: Option<&Active>,
) -> Value {
    let started = Instant::now();
    let limits = Limits {
        max_body_bytes: cfg.max_body_bytes,
        max_depth: cfg.max_depth,
        max_keys: cfg.max_keys,
    };
    let mut env = decode(event, &limits);
    if *pruned {
        env.mark_pruned();
    }
    // Hits on fields the policy does not list follow its rest mode.
    // What block mode would do, whatever the configured mode: the point is to see it first.
    let block = Config {
        mode: Mode::Block,
        ..cfg.clone()
    };
    let (ins, monitored) = detector.inspect_with_policy(&env, block.inspection_budget(), policy);
    let v = decide(event, &env, &ins, &block);
    let elapsed_us = started.elapsed().as_micros() as u64;
    let first_hit = ins.hits.first();
    let first_violation = env.violations.first();
    // A hit's location is its field's path: a record's fields are named from the event's top
    // (`Records[2].body.q`, `messages[0].data`), so the path names the record already
    // (`records_blocked` lists them).
    json!({
        "event": n,
        "line": line,
        "trigger": env.trigger.label(),
        "blocked": !v.blocked.is_empty(),
        "rule": first_hit.map(|h| h.rule.clone()),
        "class": first_hit.map(|h| h.class.clone()),
        "location": first_hit
            .map(|h| h.path.clone())
            .or_else(|| first_violation.map(|x| x.path.clone())),
        "records_blocked": v.blocked.iter().flatten().collect::<Vec<_>>(),
        "hits": ins.hits.iter().map(|h| json!({
            "rule": h.rule,
            "class": h.class,
            "location": h.path.clone(),
            "excerpt": h.excerpt,
        })).collect::<Vec<_>>(),
        "monitored": monitored.iter().map(|h| json!({
            "rule": h.rule,
            "class": h.class,
            "location": h.path.clone(),
            "excerpt": h.excerpt,
        })).collect::<Vec<_>>(),
        "violations": env.violations.iter().map(|x| json!({
            "location": x.path.clone(),
            "what": x.what,
        })).collect::<Vec<_>>(),
        "fallback": v.fallback,
        "elapsed_us": elapsed_us,
    })
}

#[cfg(test)]
fn replay_no_policy(text: &str, detector: &Detector, cfg: &Config) -> Vec<Value> {
    replay(text, detector, cfg, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Vec<Value> {
        let detector = Detector::builtin().unwrap();
        replay(text, &detector, &Config::default(), None)
    }

    #[test]
    fn one_verdict_per_line_and_bad_lines_are_reported() {
        let text = concat!(
            r#"{"rawPath":"/items","queryStringParameters":{"q":"' OR 1=1 --"},"requestContext":{"http":{"method":"GET"}},"version":"2.0"}"#,
            "\n\n",
            "not json\n",
            r#"{"rawPath":"/items","queryStringParameters":{"q":"blue shoes"},"requestContext":{"http":{"method":"GET"}},"version":"2.0"}"#,
            "\n"
        );
        let out = run(text);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0]["blocked"], json!(true), "{}", out[0]);
        assert_eq!(out[0]["line"], json!(1));
        assert!(out[0]["rule"].is_string());
        assert!(out[0]["location"].as_str().is_some_and(|l| l.contains("q")));
        assert!(out[0]["elapsed_us"].is_u64());
        assert_eq!(out[1]["line"], json!(3));
        assert!(out[1]["error"]
            .as_str()
            .unwrap()
            .contains("not a JSON event"));
        assert_eq!(out[2]["blocked"], json!(false), "{}", out[2]);
    }

    #[test]
    fn a_pretty_printed_file_is_one_event() {
        let text = "{\n  \"Records\": [\n    {\"eventSource\": \"aws:sqs\", \"messageId\": \"m1\", \"body\": \"hello\"}\n  ]\n}\n";
        let out = run(text);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["blocked"], json!(false), "{}", out[0]);
    }

    #[test]
    fn monitor_configuration_still_shows_what_block_mode_would_do() {
        let detector = Detector::builtin().unwrap();
        let cfg = Config {
            mode: Mode::Monitor,
            ..Config::default()
        };
        let out = replay_no_policy(
            r#"{"Records":[{"eventSource":"aws:sqs","messageId":"m1","body":"; cat /etc/passwd"}]}"#,
            &detector,
            &cfg,
        );
        assert_eq!(out[0]["blocked"], json!(true), "{}", out[0]);
        assert_eq!(out[0]["records_blocked"], json!([0]));
    }
}
