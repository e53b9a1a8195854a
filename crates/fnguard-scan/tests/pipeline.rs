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
