//! Every lockfile and manifest reader on a fixture of each format; the packages, loose
//! specifiers and problems found are snapshotted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use fnguard_deps::lockfile::{read, Kind};
use std::fmt::Write;
use std::path::Path;

fn render(dir: &str) -> String {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lockfiles");
    let mut entries: Vec<_> = std::fs::read_dir(base.join(dir))
        .unwrap()
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    let mut out = String::new();
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(kind) = Kind::of(&name) else {
            continue;
        };
        if name == "requirements-base.txt" {
            continue; // read through the include
        }
        let parsed = read(kind, &e.path());
        writeln!(out, "== {name} ({})", kind.label()).unwrap();
        for p in &parsed.packages {
            let file = p.file.strip_prefix(&base).unwrap().display();
            writeln!(
                out,
                "{} {} {} @ {file}:{}{}{}",
                p.ecosystem,
                p.name,
                p.version.as_deref().unwrap_or("<unknown>"),
                p.line,
                match p.direct {
                    Some(true) => " direct",
                    Some(false) => " transitive",
                    None => "",
                },
                if p.dev { " dev" } else { "" }
            )
            .unwrap();
        }
        for l in &parsed.loose {
            writeln!(out, "loose {} {:?} @ line {}", l.name, l.spec, l.line).unwrap();
        }
        for p in &parsed.problems {
            writeln!(out, "problem line {:?}: {}", p.line, p.message).unwrap();
        }
    }
    out
}

macro_rules! fixture {
    ($name:ident, $dir:literal) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(render($dir));
        }
    };
}

fixture!(npm_lock_v1, "npm-v1");
fixture!(npm_lock_v3, "npm-v3");
fixture!(npm_manifest, "npm-manifest");
fixture!(yarn_v1, "yarn-v1");
fixture!(yarn_berry, "yarn-berry");
fixture!(pnpm_v6, "pnpm-v6");
fixture!(pnpm_v9, "pnpm-v9");
fixture!(requirements, "pip");
fixture!(pipfile_lock, "pipenv");
fixture!(poetry_lock, "poetry");
fixture!(poetry_lock_merge_conflict, "poetry-merge-conflict");
fixture!(requirements_local_and_remote, "pip-local");
fixture!(uv_lock, "uv");
fixture!(pdm_lock, "pdm");
fixture!(cargo_lock, "cargo");
fixture!(go_mod, "go");
fixture!(pom, "maven");
fixture!(gradle_lockfile, "gradle");
fixture!(gemfile_lock, "ruby");
fixture!(composer_lock, "composer");
fixture!(nuget_lock, "nuget");
fixture!(pyproject, "pyproject");
fixture!(maven_dependency_tree, "maven-tree");
