#![no_main]
use fnguard_shield::config::{Config, Mode};
use fnguard_shield::envelope::{decode, Limits};
use fnguard_shield::inspect::Detector;
use fnguard_shield::verdict::{decide, merge_batch_failures, Action};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use std::time::Duration;

// Any event the Runtime API could hand the shield: decoding, inspection and the verdict never
// panic, a filtered batch never grows, and merging batch failures into any answer is safe.
fuzz_target!(|data: &[u8]| {
    static DETECTOR: OnceLock<Detector> = OnceLock::new();
    let detector = DETECTOR.get_or_init(|| Detector::builtin().expect("built-in rules"));
    // The same bytes as a JSON body, walked as they are parsed: every field it yields is one
    // the body holds, and what a walk that failed found is taken back.
    if let Ok(body) = std::str::from_utf8(data) {
        let event = serde_json::json!({"version": "2.0", "rawPath": "/", "body": body,
            "requestContext": {"http": {"method": "POST"}},
            "headers": {"content-type": "application/json"}});
        let limits = Limits { max_body_bytes: 1 << 16, max_depth: 16, max_keys: 1000 };
        let env = decode(&event, &limits);
        let parsed = serde_json::from_str::<serde_json::Value>(body).is_ok();
        // (Text with NUL bytes may be read as UTF-16 first.)
        if !parsed && !body.contains('\0') {
            let values: Vec<&str> =
                env.fields.iter().filter(|f| f.path.starts_with("body")).map(|f| f.value.as_str()).collect();
            assert!(values.len() <= 1 && values.iter().all(|v| *v == body), "{values:?}");
        }
        let _ = detector.inspect(&env, Duration::from_millis(50));
    }
    let Ok((event, pruned)) = fnguard_shield::envelope::parse_event(data) else {
        let _ = merge_batch_failures(data, &["id".to_string()]);
        return;
    };
    let limits = Limits { max_body_bytes: 1 << 16, max_depth: 16, max_keys: 1000 };
    let mut env = decode(&event, &limits);
    if pruned {
        env.mark_pruned();
    }
    let ins = detector.inspect(&env, Duration::from_millis(50));
    let cfg = Config { mode: Mode::Block, ..Config::default() };
    let v = decide(&event, &env, &ins, &cfg);
    if let Action::Filter { event: filtered, .. } = &v.action {
        // Batches of `Records` (SQS, streams) or of Kafka's `records` by topic lose records.
        let count = |e: &serde_json::Value| {
            e.get("Records").and_then(|r| r.as_array()).map_or(0, Vec::len)
                + e.get("records")
                    .and_then(|r| r.as_object())
                    .map_or(0, |m| m.values().filter_map(|l| l.as_array()).map(Vec::len).sum())
        };
        assert!(count(filtered) < count(&event));
    }
});
