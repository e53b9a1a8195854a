#![no_main]
use fnguard_ingest::{load, Candidate, DescriptorKind, LoadOptions};
use fnguard_rules::{run, RuleConfig, Selection};
use libfuzzer_sys::fuzz_target;

// A CDK application read from its source: a TypeScript or Python entry and a stack module
// (split at the first NUL) written into a scratch directory with a `cdk.json`, loaded (classes
// instantiated from the entry, methods read where called, L1 constructs, grants), every rule
// run. None of it may panic or hang.
fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let python = selector % 2 == 1;
    let (entry, module) = text.split_once('\0').unwrap_or((text, ""));
    let dir = std::env::temp_dir().join(format!("fnguard-fuzz-cdk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(dir.join("lib"));
    let (app, entry_file, module_file) = if python {
        (r#"{"app": "python3 app.py", "context": {"stage": "fuzz"}}"#, "app.py", "lib/stack.py")
    } else {
        (r#"{"app": "npx ts-node bin/app.ts", "context": {"stage": "fuzz"}}"#, "bin/app.ts", "lib/stack.ts")
    };
    let _ = std::fs::create_dir_all(dir.join("bin"));
    let _ = std::fs::write(dir.join("cdk.json"), app);
    let _ = std::fs::write(dir.join(entry_file), entry);
    let _ = std::fs::write(dir.join(module_file), module);
    let c = Candidate { path: dir.join("cdk.json"), kind: DescriptorKind::CdkSource };
    let projects: Vec<_> = load(&dir, &c, &LoadOptions::default()).project.into_iter().collect();
    let config = RuleConfig {
        selection: Selection { select: vec!["ALL".into()], ..Selection::default() },
        today: (2026, 11, 28),
        ..RuleConfig::default()
    };
    let _ = run(&projects, &config);
});
