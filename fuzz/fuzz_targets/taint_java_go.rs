#![no_main]
use fnguard_code::taint::{analyze, default_catalog, lower_go, Plan};
use fnguard_code::{actions_in_source, Language};
use libfuzzer_sys::fuzz_target;

// Arbitrary text as a Java and as a Go handler file: lowering, the SDK call scan, the taint
// engine and the secret scan must not panic or run away.
fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for (lang, name, handler) in [
        (Language::Java, "Handler.java", "handleRequest"),
        (Language::Go, "main.go", lower_go::ENTRY),
    ] {
        let _ = actions_in_source(lang, text, false);
        let sources = vec![(name.to_string(), text.to_string(), false, Vec::new())];
        // As a Lambda handler, and as a web application (servlets and controllers).
        let plan = Plan { handlers: vec![(name.to_string(), handler.to_string())], routes: true, django: false };
        let _ = analyze(&sources, lang, &plan, default_catalog());
    }
});
