//! `docs/rules/` is generated from the rules' doc comments; this test fails when it is stale.
//! Regenerate with `FNGUARD_UPDATE_DOCS=1 cargo test -p fnguard-rules --test docs`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use fnguard_rules::registry;
use std::fmt::Write;
use std::path::Path;

fn render(meta: &fnguard_rules::RuleMeta) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {} {}\n", meta.id, meta.name);
    let _ = writeln!(
        s,
        "| severity | practice | default |\n|---|---|---|\n| {} | {}. {} | {} |\n",
        meta.severity,
        meta.practice.0,
        meta.practice.title(),
        if meta.opt_in { "opt-in" } else { "on" }
    );
    for line in meta.doc.lines() {
        // Rustdoc lines keep the space after `///`.
        let _ = writeln!(s, "{}", line.strip_prefix(' ').unwrap_or(line));
    }
    let _ = writeln!(
        s,
        "\n<!-- generated from crates/fnguard-rules; do not edit -->"
    );
    s
}

fn index() -> String {
    let mut s = String::from(
        "# fnguard rules\n\n| id | name | severity | practice | default |\n|---|---|---|---|---|\n",
    );
    for r in registry() {
        let m = r.meta();
        let _ = writeln!(
            s,
            "| [{}]({}.md) | {} | {} | {} | {} |",
            m.id,
            m.id,
            m.name,
            m.severity,
            m.practice.0,
            if m.opt_in { "opt-in" } else { "on" }
        );
    }
    s.push_str("\n<!-- generated from crates/fnguard-rules; do not edit -->\n");
    s
}

#[test]
fn rule_docs_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
    let update = std::env::var_os("FNGUARD_UPDATE_DOCS").is_some();
    let mut expected: Vec<(String, String)> = registry()
        .iter()
        .map(|r| (format!("{}.md", r.meta().id), render(r.meta())))
        .collect();
    expected.push(("README.md".into(), index()));
    let mut stale = Vec::new();
    for (name, text) in &expected {
        let path = dir.join(name);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is stale for {stale:?}; run FNGUARD_UPDATE_DOCS=1 cargo test -p fnguard-rules --test docs"
    );
}

#[test]
fn every_rule_doc_has_the_five_sections() {
    for r in registry() {
        let m = r.meta();
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Fix",
            "## References",
        ] {
            assert!(m.doc.contains(section), "{} lacks {section}", m.id);
        }
        assert!(m.id.len() == 5 && m.id.starts_with("FG"), "{}", m.id);
        assert_eq!(
            m.id.as_bytes()[2] - b'0',
            m.practice.0,
            "{}: id digit and practice differ",
            m.id
        );
        assert!(
            m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            m.name
        );
    }
}
