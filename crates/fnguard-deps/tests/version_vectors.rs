//! Every ordering vector of osv-scalibr passes for every ecosystem fnguard supports.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use fnguard_deps::version::Ecosystem;
use std::cmp::Ordering;
use std::path::Path;

fn check(eco: Ecosystem, files: &[&str]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/version-vectors");
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with("//") || line.starts_with('#') {
                continue;
            }
            let parts: Vec<&str> = line.split(' ').collect();
            assert_eq!(parts.len(), 3, "{file}:{}: unexpected line {line:?}", n + 1);
            let want = match parts[1] {
                "<" => Ordering::Less,
                ">" => Ordering::Greater,
                "=" => Ordering::Equal,
                op => panic!("{file}:{}: operator {op}", n + 1),
            };
            checked += 1;
            let got = eco.compare(parts[0], parts[2]);
            let back = eco.compare(parts[2], parts[0]);
            if got != want || back != want.reverse() {
                failures.push(format!("{file}:{}: {line} (got {got:?}/{back:?})", n + 1));
            }
        }
    }
    assert!(checked > 20, "{eco}: only {checked} vectors");
    assert!(
        failures.is_empty(),
        "{eco}: {} of {checked} vectors fail:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn semver_npm_crates_go() {
    for eco in [Ecosystem::Npm, Ecosystem::CratesIo, Ecosystem::Go] {
        check(eco, &["semver-versions.txt"]);
    }
}

#[test]
fn pypi() {
    check(
        Ecosystem::PyPI,
        &["pypi-versions.txt", "pypi-versions-generated.txt"],
    );
}

#[test]
fn maven() {
    check(
        Ecosystem::Maven,
        &["maven-versions.txt", "maven-versions-generated.txt"],
    );
}

#[test]
fn nuget() {
    check(Ecosystem::NuGet, &["nuget-versions.txt"]);
}

#[test]
fn packagist() {
    check(
        Ecosystem::Packagist,
        &["packagist-versions.txt", "packagist-versions-generated.txt"],
    );
}

#[test]
fn rubygems() {
    check(
        Ecosystem::RubyGems,
        &["rubygems-versions.txt", "rubygems-versions-generated.txt"],
    );
}
