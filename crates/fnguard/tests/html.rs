//! The HTML report: self-contained, small, and working in a real headless Chromium (it renders
//! the graph and clicking a node shows its findings; the page's own `#selftest` does the
//! clicking and records console errors). Without Chromium the browser part is skipped, unless
//! `FNGUARD_REQUIRE_CHROMIUM=1` (set by `.ci/run` after installing it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        })
}

#[test]
fn html_report_is_self_contained_and_interactive() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&out_dir).unwrap();
    let report = out_dir.join("report.html");
    Command::cargo_bin("fnguard")
        .unwrap()
        .env("FNGUARD_DB", "/nonexistent/fnguard-test-db")
        .args(["scan", "--format", "html", "--fail-on", "none", "-o"])
        .arg(&report)
        .arg(&examples)
        .assert()
        .success();
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.len() < 5 * 1024 * 1024, "{} bytes", html.len());
    // Self-contained: no external scripts, styles, images or fonts.
    for needle in ["<script src", "<link ", "@import", "url(http", "src=\"http"] {
        assert!(!html.contains(needle), "report loads `{needle}`");
    }
    assert!(html.contains("\"findings\""));

    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("FNGUARD_REQUIRE_CHROMIUM").is_none(),
            "FNGUARD_REQUIRE_CHROMIUM is set but no chromium is on PATH"
        );
        eprintln!("chromium not found: browser check skipped");
        return;
    };
    let url = format!("file://{}#selftest", report.display());
    let started = std::time::Instant::now();
    let out = std::process::Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=2000",
            "--dump-dom",
        ])
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("data-selftest=\"ok\""),
        "self-test did not pass: {}",
        dom.split("data-selftest")
            .nth(1)
            .unwrap_or("(no result)")
            .chars()
            .take(200)
            .collect::<String>()
    );
    eprintln!("chromium self-test in {:?}", started.elapsed());
    // Keep a screenshot of the run as an artefact.
    let shot = out_dir.join("report.png");
    let _ = std::process::Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1400,1000",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", report.display()))
        .output();
    assert!(shot.is_file(), "no screenshot at {}", shot.display());
    eprintln!("screenshot: {}", shot.display());
}
