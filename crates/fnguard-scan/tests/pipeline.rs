#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The pipeline as front ends use it: a request in, projects, findings and input problems out.

use fnguard_scan::{collect, load_request, LoadRequest, ScanRequest, StartError};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

const SERVICE: &str = "service: s
provider:
  name: aws
  runtime: python3.12
functions:
  open:
    handler: h.main
    url: true
  quiet:
    handler: h.main
    # fnguard:ignore FG201 reviewed: a public webhook
    url: true
";

fn request(dir: &Path) -> ScanRequest {
    ScanRequest {
        load: LoadRequest {
            paths: vec![dir.to_path_buf()],
            ..LoadRequest::default()
        },
        today: Some("2026-01-01".into()),
        db: Some(dir.join("no-database")),
        ..ScanRequest::default()
    }
}

#[test]
fn a_scan_reports_findings_and_honours_inline_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "serverless.yml", SERVICE);
    write(
        dir.path(),
        "h.py",
        "def main(event, context):\n    return 1\n",
    );
    let c = collect(&request(dir.path())).unwrap();
    assert_eq!(c.projects.len(), 1);
    assert_eq!(c.projects[0].functions.len(), 2);
    let public: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.rule == "FG201")
        .map(|f| f.function.clone().unwrap_or_default())
        .collect();
    assert_eq!(public, ["open"], "{:#?}", c.findings);
    assert!(
        c.errors
            .iter()
            .all(|e| !e.message.contains("fnguard:ignore")),
        "{:#?}",
        c.errors
    );
}

#[test]
fn a_selection_runs_only_the_selected_rules() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "serverless.yml", SERVICE);
    let mut r = request(dir.path());
    r.select = vec!["FG604".into()];
    let c = collect(&r).unwrap();
    assert!(!c.findings.is_empty());
    assert!(c.findings.iter().all(|f| f.rule == "FG604"));
}

#[test]
fn loading_alone_runs_no_rules() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "serverless.yml", SERVICE);
    let loaded = load_request(&request(dir.path()).load).unwrap();
    assert_eq!(loaded.roots.len(), 1);
    assert_eq!(loaded.roots[0].projects[0].functions.len(), 2);
}

#[test]
fn requests_that_cannot_start_say_why() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "serverless.yml", SERVICE);

    let mut r = request(dir.path());
    r.load.paths.push(dir.path().join("absent"));
    assert!(matches!(collect(&r), Err(StartError::MissingPath(p)) if p.ends_with("absent")));

    let mut r = request(dir.path());
    r.load.params = vec!["no-equals-sign".into()];
    let e = collect(&r).err().unwrap();
    assert_eq!(
        e.to_string(),
        "--param takes KEY=VALUE, got `no-equals-sign`"
    );

    let mut r = request(dir.path());
    r.select = vec!["FG999".into()];
    assert!(matches!(collect(&r), Err(StartError::UnknownRules(u)) if u == ["FG999"]));

    let mut r = request(dir.path());
    r.today = Some("yesterday".into());
    assert!(matches!(collect(&r), Err(StartError::BadDate(_))));

    write(dir.path(), "fnguard.toml", "[rules]\nselect = [1]\n");
    let e = collect(&request(dir.path())).err().unwrap();
    assert!(matches!(e, StartError::Config(_)));
    assert!(e.to_string().contains("rules.select"), "{e}");
}

const POLICY: &str = r#"# METADATA
# title: function-without-memory
# description: Every function states its memory size.
# custom:
#   id: ORG100
#   severity: low
#   practice: 8
#   fix: Set MemorySize.
package fnguard.memory

deny contains finding if {
	some f in input.functions
	f.memory == null
	finding := {"id": f.id, "message": sprintf("`%s` states no memory size", [f.id])}
}
"#;

#[test]
fn custom_rules_are_selected_ignored_and_rated_like_built_in_ones() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "serverless.yml", SERVICE);
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    write(&policies, "memory.rego", POLICY);
    let with_policy = |select: &[&str], ignore: &[&str]| {
        let mut r = request(dir.path());
        r.policies = vec![policies.clone()];
        r.select = select.iter().map(|s| s.to_string()).collect();
        r.ignore = ignore.iter().map(|s| s.to_string()).collect();
        r
    };
    let rules = |c: &fnguard_scan::Collected| -> Vec<&str> {
        let mut r: Vec<&str> = c.findings.iter().map(|f| f.rule).collect();
        r.dedup();
        r
    };

    // Selected by id (it used to be refused as naming no rule): only it runs.
    let c = collect(&with_policy(&["ORG100"], &[])).unwrap();
    assert_eq!(rules(&c), ["ORG100"], "{:#?}", c.errors);
    assert_eq!(c.findings.len(), 2);
    // By its name too, and next to built-in rules.
    let c = collect(&with_policy(&["function-without-memory", "FG201"], &[])).unwrap();
    let mut found = rules(&c);
    found.sort();
    found.dedup();
    assert_eq!(found, ["FG201", "ORG100"]);
    // A selection that leaves it out, or an ignore, silences it.
    let c = collect(&with_policy(&["FG201"], &[])).unwrap();
    assert!(c.findings.iter().all(|f| f.rule == "FG201"));
    let c = collect(&with_policy(&[], &["ORG100"])).unwrap();
    assert!(c.findings.iter().all(|f| f.rule != "ORG100"));
    // Without a selection it runs with the others.
    let c = collect(&with_policy(&[], &[])).unwrap();
    assert!(c.findings.iter().any(|f| f.rule == "ORG100"));
    assert!(c.findings.iter().any(|f| f.rule == "FG201"));
    // An unknown pattern is still refused.
    assert!(matches!(
        collect(&with_policy(&["ORG999"], &[])),
        Err(StartError::UnknownRules(u)) if u == ["ORG999"]
    ));
}

#[test]
fn a_configured_severity_applies_to_a_custom_rule() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "serverless.yml", SERVICE);
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    write(&policies, "memory.rego", POLICY);
    write(
        dir.path(),
        "fnguard.toml",
        "[rules.severity]\nORG100 = \"high\"\n",
    );
    let mut r = request(dir.path());
    r.policies = vec![policies];
    let c = collect(&r).unwrap();
    let custom: Vec<_> = c.findings.iter().filter(|f| f.rule == "ORG100").collect();
    assert!(!custom.is_empty());
    assert!(custom
        .iter()
        .all(|f| f.severity == fnguard_model::Severity::High));
}
