//! `fnguard fix`: every fix, on every descriptor syntax it supports, resolves its finding on a
//! re-scan, changes nothing else (the patch is the snapshot), and its `--diff` is a patch
//! `git apply` accepts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const RULES: &[&str] = &[
    "FG201", "FG302", "FG303", "FG601", "FG604", "FG605", "FG608", "FG611", "FG801",
];

fn fnguard(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("fnguard").unwrap();
    c.current_dir(dir)
        .env("FNGUARD_TODAY", "2026-12-04")
        .env("NO_COLOR", "1")
        .env("FNGUARD_DB", "/nonexistent/fnguard-test-db");
    c
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fix")
        .join(name)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn copy_of(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture(name), dir.path());
    dir
}

/// Finding rule ids of a JSON scan restricted to `select`.
fn findings(dir: &Path, select: &str) -> Vec<Value> {
    let out = fnguard(dir)
        .args(["scan", ".", "--format", "json", "--select", select])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["findings"].as_array().unwrap().clone()
}

fn rules_of(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn each_fix_resolves_its_finding_and_changes_nothing_else() {
    for fixture_name in ["serverless", "sam", "cfn-json", "terraform"] {
        for rule in RULES {
            let dir = copy_of(fixture_name);
            let before = findings(dir.path(), rule);
            if before.is_empty() {
                continue;
            }
            let out = fnguard(dir.path())
                .args(["fix", ".", "--diff", "--unsafe-fixes", "--select", rule])
                .output()
                .unwrap();
            let patch = String::from_utf8(out.stdout).unwrap();
            assert_eq!(
                out.status.code(),
                Some(1),
                "{fixture_name} {rule}: --diff exits 1 when there is a change\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            insta::assert_snapshot!(format!("fix_{fixture_name}_{rule}"), patch);

            // The diff is a patch git takes, from the scanned directory.
            let patch_file = dir.path().join("fix.patch");
            std::fs::write(&patch_file, &patch).unwrap();
            let check = std::process::Command::new("git")
                .args(["apply", "--check", "fix.patch"])
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(
                check.status.success(),
                "{fixture_name} {rule}: git apply --check: {}",
                String::from_utf8_lossy(&check.stderr)
            );
            std::fs::remove_file(&patch_file).unwrap();

            let out = fnguard(dir.path())
                .args(["fix", ".", "--unsafe-fixes", "--select", rule])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0));
            let after = findings(dir.path(), rule);
            assert!(
                after.is_empty(),
                "{fixture_name} {rule}: still reported after the fix: {after:#?}"
            );
            // Applying the patch to a fresh copy gives the same files as the fix did.
            let fresh = copy_of(fixture_name);
            std::fs::write(fresh.path().join("fix.patch"), &patch).unwrap();
            let applied = std::process::Command::new("git")
                .args(["apply", "fix.patch"])
                .current_dir(fresh.path())
                .status()
                .unwrap();
            assert!(applied.success());
            for file in [
                "serverless.yml",
                "template.yaml",
                "template.json",
                "main.tf",
            ] {
                let a = std::fs::read_to_string(dir.path().join(file)).ok();
                let b = std::fs::read_to_string(fresh.path().join(file)).ok();
                assert_eq!(a, b, "{fixture_name} {rule}: {file}");
            }
        }
    }
}

#[test]
fn all_fixes_together_leave_no_finding_of_the_fixed_rules() {
    let select = RULES.join(",");
    for fixture_name in ["serverless", "sam", "cfn-json", "terraform"] {
        let dir = copy_of(fixture_name);
        assert!(!findings(dir.path(), &select).is_empty());
        fnguard(dir.path())
            .args(["fix", ".", "--unsafe-fixes", "--select", &select])
            .assert()
            .success();
        let after = findings(dir.path(), &select);
        assert!(after.is_empty(), "{fixture_name}: {after:#?}");
    }
}

#[test]
fn unsafe_fixes_wait_for_the_flag() {
    let dir = copy_of("serverless");
    let out = fnguard(dir.path())
        .args(["fix", ".", "--select", "FG201,FG604"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unsafe fix"), "{stderr}");
    let left = rules_of(&findings(dir.path(), "FG201,FG604"));
    assert_eq!(
        left,
        vec!["FG201"],
        "the safe tracing fix applied, the URL fix waits"
    );
}

#[test]
fn json_lists_the_fixes_of_each_finding() {
    let dir = copy_of("sam");
    let all = findings(dir.path(), "FG201,FG611");
    let fg611: Vec<&Value> = all.iter().filter(|f| f["rule"] == "FG611").collect();
    assert_eq!(fg611.len(), 2);
    let applicability: Vec<&str> = fg611
        .iter()
        .map(|f| f["fixes"][0]["applicability"].as_str().unwrap())
        .collect();
    // No default to drop for DbPassword; ApiToken's literal default must go.
    assert!(applicability.contains(&"safe") && applicability.contains(&"unsafe"));
    let fg201 = all.iter().find(|f| f["rule"] == "FG201").unwrap();
    assert_eq!(fg201["fixes"][0]["change"]["kind"], "url_auth_iam");
    assert_eq!(fg201["fixes"][0]["file"], "template.yaml");
}

#[test]
fn add_ignore_silences_every_current_finding_with_its_reason() {
    let select = RULES.join(",");
    for fixture_name in ["serverless", "sam", "terraform"] {
        let dir = copy_of(fixture_name);
        let before = findings(dir.path(), &select);
        assert!(!before.is_empty());
        fnguard(dir.path())
            .args([
                "fix",
                ".",
                "--select",
                &select,
                "--add-ignore",
                "adopted 2026-12-04",
            ])
            .assert()
            .success();
        let out = fnguard(dir.path())
            .args(["scan", ".", "--format", "json", "--select", &select])
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            report["findings"].as_array().unwrap().len(),
            0,
            "{fixture_name}"
        );
        // Every comment matched a finding and has its reason: nothing about them is reported.
        let problems: Vec<&Value> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["message"].as_str().unwrap().contains("fnguard:ignore"))
            .collect();
        assert!(problems.is_empty(), "{fixture_name}: {problems:#?}");
    }
    // JSON has no comments: the file is left alone and the user is told to use a baseline.
    let dir = copy_of("cfn-json");
    let original = std::fs::read_to_string(dir.path().join("template.json")).unwrap();
    let out = fnguard(dir.path())
        .args(["fix", ".", "--select", &select, "--add-ignore", "adopted"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--create-baseline"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("template.json")).unwrap(),
        original
    );
}

#[test]
fn the_human_report_says_what_fnguard_fix_would_do() {
    let dir = copy_of("sam");
    let out = fnguard(dir.path())
        .args(["scan", ".", "--select", "FG201,FG611"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("autofix: set `NoEcho: true` on the parameter (fnguard fix)"),
        "{text}"
    );
    assert!(text.contains("(fnguard fix --unsafe-fixes)"), "{text}");
    // One safe fix (DbPassword); ApiToken's and the URL's are unsafe.
    assert!(
        text.contains("1 fixable with `fnguard fix` (2 more with `--unsafe-fixes`)"),
        "{text}"
    );
}
