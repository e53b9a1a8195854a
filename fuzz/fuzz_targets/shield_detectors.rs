#![no_main]
use fnguard_shield::detect::{self, normalize, Sinks};
use fnguard_shield::envelope::{prune_depth, utf16_text};
use libfuzzer_sys::fuzz_target;

// Any text a field can hold: the decoders and the grammar-aware detectors never panic, in
// generic and strict placements, and what they report stays short.
fuzz_target!(|data: &[u8]| {
    let (pruned, _) = prune_depth(data, 8);
    let _ = serde_json::from_slice::<serde_json::Value>(&pruned);
    let _ = utf16_text(data, "application/json; charset=utf-16");
    let _ = utf16_text(data, "");
    let _ = serde_json::from_slice::<fnguard_shield::policy::PolicyFile>(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let decoded = normalize::decoded(text);
    let strict = Sinks { sql: true, shell: true, path: true, url: true, code: true };
    for v in std::iter::once(text).chain(decoded.as_deref()) {
        for sinks in [Sinks::default(), strict] {
            for in_header in [false, true] {
                for f in detect::value(v, sinks, in_header) {
                    assert!(f.excerpt.chars().count() <= 120);
                }
            }
        }
        let _ = detect::key(v, "body.x");
    }
});
