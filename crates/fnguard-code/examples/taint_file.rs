//! Runs the taint analysis on one handler and prints what it finds (a debugging aid):
//! `cargo run -p fnguard-code --example taint_file -- DIR py:module.handler|js:module.handler|java:pkg.Class::method`.

use fnguard_code::{analyze_function, Language};
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(handler)) = (args.get(1), args.get(2)) else {
        eprintln!(
            "usage: taint_file DIR py:module.handler|js:module.handler|java:pkg.Class::method"
        );
        std::process::exit(2);
    };
    let lang = if handler.starts_with("js:") {
        Language::JavaScript
    } else if handler.starts_with("java:") {
        Language::Java
    } else {
        Language::Python
    };
    let handler = handler
        .trim_start_matches("js:")
        .trim_start_matches("java:")
        .trim_start_matches("py:");
    let facts = analyze_function(Path::new(dir), Path::new(dir), handler, lang);
    if let Some(u) = &facts.unresolved {
        println!("unresolved: {u}");
    }
    for c in &facts.calls {
        println!(
            "call {} {}:{} reachable={}",
            c.action, c.location.file, c.location.line, c.reachable
        );
    }
    for f in &facts.findings {
        println!(
            "{} {}:{} {} — {}",
            f.rule, f.location.file, f.location.line, f.sink, f.detail
        );
        for s in &f.path {
            println!("    {}:{} {}", s.location.file, s.location.line, s.note);
        }
        if !f.event_fields.is_empty() {
            println!("    event fields: {}", f.event_fields.join(", "));
        }
    }
}
