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
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(data) else {
        let _ = merge_batch_failures(data, &["id".to_string()]);
        return;
    };
    let limits = Limits { max_body_bytes: 1 << 16, max_depth: 16, max_keys: 1000 };
    let env = decode(&event, &limits);
    let ins = detector.inspect(&env, Duration::from_millis(50));
    let cfg = Config { mode: Mode::Block, ..Config::default() };
    let v = decide(&event, &env, &ins, &cfg);
    if let Action::Filter { event: filtered, .. } = &v.action {
        let before = event.get("Records").and_then(|r| r.as_array()).map_or(0, Vec::len);
        let after = filtered.get("Records").and_then(|r| r.as_array()).map_or(0, Vec::len);
        assert!(after < before);
    }
});
