#![no_main]
use fnguard_ingest::{load_str, DescriptorKind, LoadOptions};
use fnguard_rules::{run, RuleConfig, Selection};
use libfuzzer_sys::fuzz_target;

// Loads the text as a SAM/CloudFormation template and runs every rule, opt-in ones included.
fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let loaded = load_str(DescriptorKind::Sam, "template.yaml", text, &LoadOptions::default());
    if let Some(p) = loaded.project {
        let config = RuleConfig {
            selection: Selection { select: vec!["ALL".into()], ..Selection::default() },
            today: (2026, 11, 28),
            ..RuleConfig::default()
        };
        let _ = run(&[p], &config);
    }
});
