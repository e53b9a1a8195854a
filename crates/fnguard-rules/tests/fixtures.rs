//! Every rule has `fixtures/<ID>/fail` (must fire; output snapshotted) and
//! `fixtures/<ID>/pass` (must stay silent) covering each descriptor format where the concept
//! exists.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use fnguard_ingest::{discover, load, LoadOptions};
use fnguard_model::{Level, Project};
use fnguard_rules::{drift, registry, run, run_drift, RuleConfig, Selection};
use std::fmt::Write;
use std::path::Path;

const TODAY: (i32, u32, u32) = (2026, 11, 28);

fn load_dir(dir: &Path) -> Vec<Project> {
    let (candidates, diags) = discover(dir, &[]);
    assert!(diags.is_empty(), "{diags:?}");
    assert!(!candidates.is_empty(), "no descriptor in {}", dir.display());
    let mut projects = Vec::new();
    for c in &candidates {
        let loaded = load(dir, c, &LoadOptions::default());
        let errors: Vec<_> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.level == Level::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", c.path.display());
        projects.push(loaded.project.expect("fixture loads"));
    }
    fnguard_code::analyze_projects(dir, &mut projects);
    let problems = fnguard_deps::analysis::analyze_projects(dir, &mut projects, Some(advisories()));
    assert!(problems.is_empty(), "{problems:?}");
    projects
}

/// An OSV database built once from the advisory records committed with fnguard-deps.
fn advisories() -> &'static fnguard_deps::db::Database {
    static DB: std::sync::OnceLock<(tempfile::TempDir, fnguard_deps::db::Database)> =
        std::sync::OnceLock::new();
    &DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let records =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../fnguard-deps/tests/fixtures/osv");
        fnguard_deps::db::import_archive(dir.path(), &records, None, "fixtures", None).unwrap();
        let db = fnguard_deps::db::Database::open(dir.path());
        (dir, db)
    })
    .1
}

fn findings_for(id: &str, dir: &Path) -> String {
    findings_per_project(id, dir).0
}

/// The rendered findings, and the projects (descriptor paths) that got none.
fn findings_per_project(id: &str, dir: &Path) -> (String, Vec<String>) {
    let projects = load_dir(dir);
    let config = RuleConfig {
        selection: Selection {
            select: vec![id.to_string()],
            ..Selection::default()
        },
        today: TODAY,
        ..RuleConfig::default()
    };
    let mut out = String::new();
    // A rule with a `deployed/` fixture compares against it (FG612): that directory stands for
    // the account.
    let deployed = dir.parent().unwrap().join("deployed");
    let findings = if deployed.is_dir() {
        let live = load_dir(&deployed).remove(0);
        let mut taken = std::collections::BTreeSet::new();
        let mut drifts: Vec<_> = projects
            .iter()
            .map(|p| drift::match_functions(p, &live, &drift::Matching::default(), &mut taken))
            .collect();
        drifts[0].undeclared = drift::undeclared(&live, &taken);
        let mut all: Vec<_> = projects
            .iter()
            .zip(&drifts)
            .flat_map(|(p, d)| run_drift(p, d, &config))
            .collect();
        all.sort_by(|a, b| {
            (&a.location.file, a.location.line).cmp(&(&b.location.file, b.location.line))
        });
        all
    } else {
        run(&projects, &config)
    };
    let silent: Vec<String> = projects
        .iter()
        .filter(|p| {
            // A finding belongs to a project by its file, or by its function (code findings
            // point into handler files next to the descriptor).
            !findings.iter().any(|f| {
                f.location.file == p.path
                    || f.location.file.starts_with(&format!("{}/", p.path))
                    || f.function
                        .as_deref()
                        .is_some_and(|id| p.functions.iter().any(|x| x.id == id))
                    || f.evidence.value()["functions"]
                        .as_array()
                        .is_some_and(|ids| {
                            ids.iter().any(|id| {
                                p.functions
                                    .iter()
                                    .any(|x| Some(x.id.as_str()) == id.as_str())
                            })
                        })
            })
        })
        .map(|p| p.path.clone())
        .collect();
    for f in findings {
        assert_eq!(f.rule, id);
        assert!(f.location.line > 0, "{id} finding without a line: {f:?}");
        assert!(!f.remediation.is_empty(), "{id} finding without a fix");
        let _ = writeln!(
            out,
            "{} {} {} function={} resource={}\n  {}\n  fix: {}",
            f.severity,
            f.location,
            f.fingerprint,
            f.function.as_deref().unwrap_or("-"),
            f.resource.as_deref().unwrap_or("-"),
            f.message,
            f.remediation
        );
    }
    (out, silent)
}

#[test]
fn every_rule_fires_on_its_failing_fixture_and_not_on_its_passing_one() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for rule in registry() {
        let id = rule.meta().id;
        let fail = base.join(id).join("fail");
        let pass = base.join(id).join("pass");
        assert!(
            fail.is_dir() && pass.is_dir(),
            "{id} needs fixtures/{id}/fail and fixtures/{id}/pass"
        );
        let (fired, silent) = findings_per_project(id, &fail);
        assert!(!fired.is_empty(), "{id} did not fire on {}", fail.display());
        // Every format in the failing fixture must be caught, not just one of them.
        assert!(
            silent.is_empty(),
            "{id} did not fire on {silent:?} in {}",
            fail.display()
        );
        insta::assert_snapshot!(format!("{id}_fail"), fired);
        let silent = findings_for(id, &pass);
        assert!(
            silent.is_empty(),
            "{id} fired on its passing fixture:\n{silent}"
        );
    }
}

/// The engine drops the graph after the rules listed as reading it: a rule that reads it
/// and is not listed would build it a second time (correct, but slow).
#[test]
fn only_the_listed_graph_readers_build_the_graph_and_each_of_them_does() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let config = RuleConfig {
        today: TODAY,
        ..RuleConfig::default()
    };
    for rule in registry() {
        let id = rule.meta().id;
        let listed = fnguard_rules::GRAPH_READERS.contains(&id);
        let mut built_once = false;
        for side in ["fail", "pass"] {
            let dir = base.join(id).join(side);
            if !dir.is_dir() {
                continue;
            }
            for project in load_dir(&dir) {
                let built = fnguard_rules::rule_builds_graph(*rule, &project, &config);
                assert!(
                    listed || !built,
                    "{id} reads the graph on {}: add it to GRAPH_READERS",
                    dir.display()
                );
                built_once |= built;
            }
        }
        assert!(
            !listed || built_once,
            "{id} is in GRAPH_READERS but builds no graph on its fixtures"
        );
    }
}

#[test]
fn fingerprints_survive_line_moves() {
    let dir = tempfile_dir();
    let text = "service: s\nprovider:\n  name: aws\n  runtime: nodejs22.x\nfunctions:\n  a:\n    handler: h.a\n    url: true\n";
    std::fs::write(dir.join("serverless.yml"), text).unwrap();
    let before = findings_for("FG201", &dir);
    std::fs::write(dir.join("serverless.yml"), format!("# a comment\n\n{text}")).unwrap();
    let after = findings_for("FG201", &dir);
    let fp = |s: &str| s.split_whitespace().nth(2).unwrap().to_string();
    assert_ne!(before, after, "the line moved");
    assert_eq!(fp(&before), fp(&after));
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fnguard-fp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// FG701 makes one finding per entry point, and stops following an entry at 256 stores: an
/// app whose public functions share a role with `dynamodb:*` on `*` reaches every customer
/// table from every function.
#[test]
fn an_entry_reaching_many_sensitive_stores_is_one_finding() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: dynamodb:*\n          Resource: '*'\nfunctions:\n",
    );
    for f in 0..3 {
        text += &format!("  f{f}:\n    handler: app.handler\n    url: true\n");
    }
    text += "resources:\n  Resources:\n";
    for t in 0..300 {
        text += &format!(
            "    T{t}:\n      Type: AWS::DynamoDB::Table\n      Properties:\n        TableName: customers{t}\n"
        );
    }
    std::fs::write(dir.path().join("serverless.yml"), &text).unwrap();
    let out = findings_for("FG701", dir.path());
    let findings: Vec<&str> = out.lines().filter(|l| l.starts_with("high ")).collect();
    assert_eq!(findings.len(), 3, "{out}");
    assert_eq!(
        out.matches("reaches 256 or more sensitive stores").count(),
        3,
        "{out}"
    );
    assert_eq!(out.matches("; and 253 more").count(), 3, "{out}");

    // Below the cap every store is counted.
    let few = text.split("    T3:").next().unwrap().to_string();
    std::fs::write(dir.path().join("serverless.yml"), few).unwrap();
    let out = findings_for("FG701", dir.path());
    assert_eq!(
        out.matches("reaches 3 sensitive stores").count(),
        3,
        "{out}"
    );
}
