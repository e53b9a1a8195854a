//! Adopting fnguard on a project with findings: baselines that survive reformatting and moved
//! resources, scans of what changed since a git ref, and expiring ignores.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn fnguard(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("fnguard").unwrap();
    c.current_dir(dir)
        .env("FNGUARD_TODAY", "2026-12-04")
        .env("NO_COLOR", "1")
        .env("FNGUARD_DB", "/nonexistent/fnguard-test-db");
    c
}

const TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Webhook:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
      FunctionUrlConfig:
        AuthType: NONE
  Orders:
    Type: AWS::Serverless::SimpleTable
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.8
      CodeUri: src/
      Policies:
        - Statement:
            - Effect: Allow
              Action: "dynamodb:*"
              Resource: "*"
"#;

/// The same template reformatted (comments, four-space indentation, flow style, quoting) with
/// the resources in another order.
const REFORMATTED: &str = r#"# Reformatted and reordered: nothing a reviewer would call new.
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31

Resources:
    Orders: {Type: "AWS::Serverless::SimpleTable"}

    Worker:
        Type: AWS::Serverless::Function
        Properties:
            CodeUri: src/
            Runtime: python3.8
            Handler: app.handler
            Policies:
                - Statement:
                    - {Effect: Allow, Action: "dynamodb:*", Resource: "*"}

    Webhook:
        Type: AWS::Serverless::Function
        Properties:
            Runtime: python3.12
            Handler: app.handler
            CodeUri: src/
            FunctionUrlConfig: {AuthType: NONE}
"#;

const NEW_URL: &str = r#"
    Admin:
        Type: AWS::Serverless::Function
        Properties:
            Runtime: python3.12
            Handler: app.handler
            CodeUri: src/
            FunctionUrlConfig: {AuthType: NONE}
"#;

fn project(dir: &Path) {
    std::fs::create_dir_all(dir.join("app/src")).unwrap();
    std::fs::write(dir.join("app/template.yaml"), TEMPLATE).unwrap();
    std::fs::write(
        dir.join("app/src/app.py"),
        "def handler(event, context):\n    return {\"ok\": True}\n",
    )
    .unwrap();
}

fn findings(dir: &Path, args: &[&str]) -> (i32, Vec<(String, Option<String>)>) {
    let out = fnguard(dir)
        .args(["scan", "app", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut list: Vec<(String, Option<String>)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["function"].as_str().map(str::to_string),
            )
        })
        .collect();
    list.sort();
    (out.status.code().unwrap(), list)
}

#[test]
fn a_baseline_survives_reformatting_and_moves_but_not_a_new_public_url() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let (code, all) = findings(dir.path(), &["--create-baseline", "base.json"]);
    assert_eq!(code, 0, "writing a baseline is not a failure");
    assert!(all.len() >= 3, "{all:?}");
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("base.json")).unwrap())
            .unwrap();
    assert_eq!(written["schema"], "fnguard-baseline/v1");
    assert_eq!(written["findings"].as_array().unwrap().len(), all.len());

    assert_eq!(
        findings(dir.path(), &["--baseline", "base.json"]),
        (0, vec![])
    );
    std::fs::write(dir.path().join("app/template.yaml"), REFORMATTED).unwrap();
    assert_eq!(
        findings(dir.path(), &["--baseline", "base.json"]),
        (0, vec![]),
        "reformatting and reordering made findings look new"
    );
    std::fs::write(
        dir.path().join("app/template.yaml"),
        format!("{REFORMATTED}{NEW_URL}"),
    )
    .unwrap();
    let (code, fresh) = findings(dir.path(), &["--baseline", "base.json"]);
    assert_eq!(code, 1);
    assert!(
        fresh.contains(&("FG201".to_string(), Some("Admin".to_string()))),
        "{fresh:?}"
    );
    assert!(
        fresh.iter().all(|(_, f)| f.as_deref() == Some("Admin")),
        "only the new function's findings: {fresh:?}"
    );
}

#[test]
fn a_broken_baseline_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    std::fs::write(
        dir.path().join("base.json"),
        "{\n  \"schema\": \"fnguard-baseline/v1\",\n  \"findings\": [1]\n}\n",
    )
    .unwrap();
    let out = fnguard(dir.path())
        .args(["scan", "app", "--baseline", "base.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("base.json:3:"), "{err}");
}

fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn diff_base_reports_only_what_the_change_introduced() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "base"]);
    std::fs::write(
        dir.path().join("app/template.yaml"),
        format!("{REFORMATTED}{NEW_URL}"),
    )
    .unwrap();
    let (code, fresh) = findings(dir.path(), &["--diff-base", "HEAD"]);
    assert_eq!(code, 1);
    assert!(
        fresh.contains(&("FG201".to_string(), Some("Admin".to_string()))),
        "{fresh:?}"
    );
    assert!(
        fresh.iter().all(|(_, f)| f.as_deref() == Some("Admin")),
        "{fresh:?}"
    );
    // The temporary worktree is gone.
    let list = std::process::Command::new("git")
        .current_dir(dir.path())
        .args(["worktree", "list"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&list.stdout).lines().count(), 1);
    // A ref that does not exist stops the scan with a clear message.
    let out = fnguard(dir.path())
        .args(["scan", "app", "--diff-base", "no-such-ref"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-ref"));
}

#[test]
fn ignores_hide_findings_until_they_expire() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    std::fs::write(
        dir.path().join("fnguard.toml"),
        r#"
[[ignore]]
rule = "FG201"
function = "Webhook"
reason = "public webhook, signature checked in the handler"
expires = 2027-01-31

[[ignore]]
rule = "FG301"
path = "template.yaml"
reason = "migration to per-table policies in progress"
expires = 2026-12-01
"#,
    )
    .unwrap();
    let (_, kept) = findings(dir.path(), &[]);
    assert!(
        !kept.contains(&("FG201".to_string(), Some("Webhook".to_string()))),
        "{kept:?}"
    );
    let out = fnguard(dir.path())
        .args(["scan", "app", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = v["errors"].to_string();
    assert!(errors.contains("expired on 2026-12-01"), "{errors}");
    assert!(errors.contains("fnguard.toml"), "{errors}");
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.iter().any(|r| r.starts_with("FG3")), "{rules:?}");

    std::fs::write(
        dir.path().join("fnguard.toml"),
        "[[ignore]]\nrule = \"FG201\"\n",
    )
    .unwrap();
    let out = fnguard(dir.path()).args(["scan", "app"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("fnguard.toml:1: ignoring FG201 needs a `reason`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
