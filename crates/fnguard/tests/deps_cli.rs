//! `fnguard db`, `fnguard deps`, `fnguard sbom` and the dependency step of `scan`, end to end.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fnguard() -> Command {
    let mut c = Command::cargo_bin("fnguard").unwrap();
    c.env("FNGUARD_TODAY", "2026-11-28").env("NO_COLOR", "1");
    c
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A database imported from the advisory records committed with fnguard-deps.
fn database() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let records = workspace().join("crates/fnguard-deps/tests/fixtures/osv");
    fnguard()
        .args(["db", "--db"])
        .arg(dir.path())
        .arg("import")
        .arg(&records)
        .assert()
        .success();
    dir
}

fn orders_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = workspace().join("examples/orders-api");
    copy_dir(&src, dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn json(cmd: &mut Command) -> (i32, Value) {
    let out = cmd.output().unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), v)
}

#[test]
fn db_status_lists_what_was_imported() {
    let db = database();
    let (code, v) = json(
        fnguard()
            .args(["db", "status", "--format", "json", "--db"])
            .arg(db.path()),
    );
    assert_eq!(code, 0);
    let ecos: Vec<&str> = v["ecosystems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ecosystem"].as_str().unwrap())
        .collect();
    assert!(ecos.contains(&"npm") && ecos.contains(&"PyPI"), "{ecos:?}");
}

#[test]
fn deps_reports_vulnerable_packages_per_function() {
    let db = database();
    let (code, v) = json(
        fnguard()
            .args(["deps", "--format", "json", "--db"])
            .arg(db.path())
            .arg(workspace().join("examples/orders-api")),
    );
    assert_eq!(code, 1, "high findings fail by default");
    let create = v["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == "createOrder")
        .unwrap();
    let ids: Vec<&str> = create["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["ids"][0].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"GHSA-35jh-r3h4-6jhm"), "{ids:?}");
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["rule"]
        .as_str()
        .unwrap()
        .starts_with("FG4")
        || f["rule"] == "FG102"));
}

#[test]
fn scan_without_a_database_warns_and_goes_on() {
    let empty = tempfile::tempdir().unwrap();
    let (code, v) = json(
        fnguard()
            .args(["scan", "--format", "json", "--fail-on", "none", "--db"])
            .arg(empty.path())
            .arg(workspace().join("examples/orders-api")),
    );
    assert_eq!(code, 0);
    let notes: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("fnguard db update")),
        "{notes:?}"
    );
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] != "FG401"));
}

#[test]
fn accepted_advisories_hide_findings_until_they_expire() {
    let db = database();
    let project = orders_copy();
    let run = |cfg: &str| {
        std::fs::write(project.path().join("fnguard.toml"), cfg).unwrap();
        json(
            fnguard()
                .args([
                    "scan",
                    "--format",
                    "json",
                    "--fail-on",
                    "none",
                    "--select",
                    "FG401",
                    "--db",
                ])
                .arg(db.path())
                .arg(project.path()),
        )
    };
    let ids = |v: &Value| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["evidence"]["advisories"][0].as_str().unwrap().to_string())
            .collect()
    };
    let (_, before) = run("");
    assert!(ids(&before).contains(&"GHSA-35jh-r3h4-6jhm".to_string()));

    let (_, accepted) = run("[[deps.accept]]\nid = \"CVE-2021-23337\"\nreason = \"template() never sees user input\"\nexpires = 2027-01-31\n");
    assert!(
        !ids(&accepted).contains(&"GHSA-35jh-r3h4-6jhm".to_string()),
        "accepted by its CVE alias"
    );
    assert_eq!(ids(&accepted).len(), ids(&before).len() - 1);

    let (_, expired) = run(
        "[[deps.accept]]\nid = \"GHSA-35jh-r3h4-6jhm\"\nreason = \"r\"\nexpires = 2026-01-01\n",
    );
    assert!(ids(&expired).contains(&"GHSA-35jh-r3h4-6jhm".to_string()));
    let notes = expired["errors"].to_string();
    assert!(notes.contains("expired on 2026-01-01"), "{notes}");

    let (_, unused) = run(
        "[[deps.accept]]\nid = \"GHSA-0000-0000-0000\"\nreason = \"r\"\nexpires = 2027-01-01\n",
    );
    assert!(unused["errors"]
        .to_string()
        .contains("matches no dependency"));

    std::fs::write(
        project.path().join("fnguard.toml"),
        "[[deps.accept]]\nid = \"GHSA-35jh-r3h4-6jhm\"\n",
    )
    .unwrap();
    let out = fnguard()
        .args(["scan", "--db"])
        .arg(db.path())
        .arg(project.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a `reason`"));
}

#[test]
fn sbom_is_cyclonedx_with_functions_depending_on_packages() {
    let db = database();
    let (code, v) = json(
        fnguard()
            .args(["sbom", "--with-vulnerabilities", "--db"])
            .arg(db.path())
            .arg(workspace().join("examples/orders-api")),
    );
    assert_eq!(code, 0);
    assert_eq!(v["bomFormat"], "CycloneDX");
    assert_eq!(v["specVersion"], "1.5");
    let comps = v["components"].as_array().unwrap();
    assert!(comps.iter().any(|c| c["purl"] == "pkg:npm/lodash@4.17.15"));
    let f = comps
        .iter()
        .find(|c| c["type"] == "application" && c["name"] == "createOrder")
        .unwrap();
    let dep = v["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"] == f["bom-ref"])
        .unwrap();
    assert!(dep["dependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d == "pkg:npm/lodash@4.17.15"));
    let vulns = v["vulnerabilities"].as_array().unwrap();
    assert!(vulns
        .iter()
        .any(|x| x["id"] == "GHSA-35jh-r3h4-6jhm"
            && x["affects"][0]["ref"] == "pkg:npm/lodash@4.17.15"));
}

#[test]
fn offline_update_refuses_and_import_of_garbage_fails_cleanly() {
    let db = tempfile::tempdir().unwrap();
    fnguard()
        .args(["db", "update", "--offline", "--db"])
        .arg(db.path())
        .assert()
        .code(2);
    let junk = db.path().join("junk.zip");
    std::fs::write(&junk, b"not a zip").unwrap();
    let out = fnguard()
        .args(["db", "import", "--db"])
        .arg(db.path())
        .arg(&junk)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.zip"));
}

#[test]
fn trusted_layer_accounts_silence_fg403() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("serverless.yml"),
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: api.handler\n    layers:\n      - arn:aws:lambda:us-east-1:111122223333:layer:requests:3\n",
    )
    .unwrap();
    let fg403 = |cfg: &str| {
        std::fs::write(dir.path().join("fnguard.toml"), cfg).unwrap();
        let (_, v) = json(
            fnguard()
                .args([
                    "scan",
                    "--format",
                    "json",
                    "--fail-on",
                    "none",
                    "--select",
                    "FG403",
                ])
                .arg(dir.path()),
        );
        v["findings"].as_array().unwrap().len()
    };
    assert_eq!(fg403(""), 1);
    assert_eq!(
        fg403("[deps]\ntrusted_layer_accounts = [\"111122223333\"]\n"),
        0
    );
    std::fs::write(
        dir.path().join("fnguard.toml"),
        "[deps]\ntrusted_layer_accounts = [\"acme\"]\n",
    )
    .unwrap();
    let out = fnguard().args(["scan"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("12-digit"));
}

#[test]
fn deps_all_lists_lockfiles_no_function_uses() {
    let dir = orders_copy();
    // A web client beside the service, with its own lockfile and no descriptor.
    std::fs::create_dir_all(dir.path().join("web")).unwrap();
    std::fs::write(
        dir.path().join("web/package-lock.json"),
        r#"{"name":"web","lockfileVersion":3,"packages":{"":{"name":"web"},"node_modules/react":{"version":"18.2.0"}}}"#,
    )
    .unwrap();
    let db = database();
    let (_, v) = json(
        fnguard()
            .args(["deps", "--all", "--format", "json", "--db"])
            .arg(db.path())
            .arg(dir.path()),
    );
    let listed: Vec<&str> = v["unattributed_lockfiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["file"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["web/package-lock.json"]);
    // Without --all the key is absent (the JSON contract stays as it was).
    let (_, v) = json(
        fnguard()
            .args(["deps", "--format", "json", "--db"])
            .arg(db.path())
            .arg(dir.path()),
    );
    assert!(v.get("unattributed_lockfiles").is_none());
}

/// An OSV record for `npm` `lodash` below 4.17.22 with the given dates.
fn lodash_record(id: &str, published: &str, modified: &str, fixed: &str) -> Value {
    serde_json::json!({
        "id": id,
        "summary": format!("{id}: test advisory"),
        "published": published,
        "modified": modified,
        "affected": [{
            "package": { "ecosystem": "npm", "name": "lodash" },
            "ranges": [{ "type": "SEMVER", "events": [{ "introduced": "0" }, { "fixed": fixed }] }]
        }]
    })
}

#[test]
fn recheck_reports_what_was_disclosed_after_the_sbom_was_written() {
    let work = tempfile::tempdir().unwrap();
    let out = fnguard()
        .arg("sbom")
        .arg(workspace().join("examples/orders-api"))
        .output()
        .unwrap();
    let mut sbom: Value = serde_json::from_slice(&out.stdout).unwrap();
    sbom["metadata"]["timestamp"] = "2026-06-01T00:00:00Z".into();
    let sbom_path = work.path().join("deployed.cdx.json");
    std::fs::write(&sbom_path, serde_json::to_string(&sbom).unwrap()).unwrap();

    // The database as a nightly `db update` would leave it.
    let records = work.path().join("records");
    std::fs::create_dir_all(&records).unwrap();
    for (id, published, modified, fixed) in [
        // Published after the SBOM: a new disclosure.
        (
            "GHSA-new1-0000-0001",
            "2026-07-01T10:00:00Z",
            "2026-07-01T10:00:00Z",
            "4.17.22",
        ),
        // Published and last modified before it: known when the SBOM was made.
        (
            "GHSA-old1-0000-0002",
            "2025-01-01T00:00:00Z",
            "2026-05-01T00:00:00Z",
            "4.17.22",
        ),
        // Old, but its affected range changed after: reported as modified.
        (
            "GHSA-mod1-0000-0003",
            "2024-02-01T00:00:00Z",
            "2026-08-15T00:00:00Z",
            "4.17.22",
        ),
        // New, but the deployed version is not affected.
        (
            "GHSA-new2-0000-0004",
            "2026-07-02T00:00:00Z",
            "2026-07-02T00:00:00Z",
            "4.17.10",
        ),
    ] {
        let record = lodash_record(id, published, modified, fixed);
        std::fs::write(records.join(format!("{id}.json")), record.to_string()).unwrap();
    }
    let db = work.path().join("db");
    fnguard()
        .args(["db", "--db"])
        .arg(&db)
        .arg("import")
        .arg(&records)
        .assert()
        .success();

    let (code, report) = json(
        fnguard()
            .args(["deps", "--format", "json", "--db"])
            .arg(&db)
            .arg("--recheck")
            .arg(&sbom_path),
    );
    assert_eq!(code, 1, "new disclosures fail the scheduled job");
    let found: Vec<(&str, bool)> = report["disclosures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["id"].as_str().unwrap(), d["new"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("GHSA-mod1-0000-0003", false),
            ("GHSA-new1-0000-0001", true)
        ]
    );
    assert_eq!(report["since"], "2026-06-01T00:00:00Z");
    let first = &report["disclosures"][1];
    assert_eq!(first["purl"], "pkg:npm/lodash@4.17.15");
    assert_eq!(first["fixed"], "4.17.22");
    assert!(!first["used_by"].as_array().unwrap().is_empty());

    // A later cut-off: nothing new, exit 0.
    let (code, report) = json(
        fnguard()
            .args(["deps", "--format", "json", "--since", "2026-09-01", "--db"])
            .arg(&db)
            .arg("--recheck")
            .arg(&sbom_path),
    );
    assert_eq!(code, 0);
    assert_eq!(report["disclosures"].as_array().unwrap().len(), 0);

    // No database: said, not silently clean.
    let out = fnguard()
        .args(["deps", "--db"])
        .arg(work.path().join("missing"))
        .arg("--recheck")
        .arg(&sbom_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("db update"));
    // Not an SBOM: named.
    let out = fnguard()
        .args(["deps", "--db"])
        .arg(&db)
        .arg("--recheck")
        .arg(records.join("GHSA-new1-0000-0001.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CycloneDX"));
}
