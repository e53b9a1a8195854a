#![no_main]
use fnguard_code::taint::{analyze, default_catalog, Plan};
use fnguard_code::Language;
use libfuzzer_sys::fuzz_target;

// Arbitrary text as a Python and as a JavaScript/TypeScript handler file: lowering, the taint
// engine and the secret scan must not panic or run away.
fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for (lang, name, ts) in [
        (Language::Python, "app.py", false),
        (Language::JavaScript, "index.js", false),
        (Language::JavaScript, "index.ts", true),
    ] {
        let sources = vec![(name.to_string(), text.to_string(), ts, Vec::new())];
        // As a handler, and as a web application (routes and Django views too).
        let plan = Plan { handlers: vec![(name.to_string(), "handler".to_string())], routes: true, django: true };
        let _ = analyze(&sources, lang, &plan, default_catalog());
    }
});
