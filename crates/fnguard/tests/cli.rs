//! The `fnguard` binary as users and CI run it: exit codes, output contracts, bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fnguard() -> Command {
    let mut c = Command::cargo_bin("fnguard").unwrap();
    c.env("FNGUARD_TODAY", "2026-11-28")
        .env("NO_COLOR", "1")
        // Never the developer's own advisory database: results must not depend on it.
        .env("FNGUARD_DB", "/nonexistent/fnguard-test-db");
    c
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn examples() -> PathBuf {
    workspace().join("examples")
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn json_of(args: &[&str]) -> (i32, Value) {
    let out = fnguard().args(args).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), v)
}

#[test]
fn examples_have_findings_and_exit_1() {
    let ex = examples();
    let (code, v) = json_of(&["scan", ex.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1);
    assert_eq!(v["schema"], "fnguard/v1");
    assert_eq!(v["tool"]["name"], "fnguard");
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for expected in ["FG201", "FG203", "FG207", "FG208", "FG601", "FG602"] {
        assert!(
            rules.contains(&expected),
            "{expected} missing from {rules:?}"
        );
    }
    let f = &v["findings"][0];
    for key in [
        "rule",
        "name",
        "severity",
        "practice",
        "message",
        "function",
        "resource",
        "location",
        "related",
        "remediation",
        "fingerprint",
        "evidence",
    ] {
        assert!(f.get(key).is_some(), "finding lacks {key}");
    }
    assert!(v["summary"]["high"].as_u64().unwrap() > 0);
}

#[test]
fn json_output_matches_the_committed_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("schemas/fnguard-v1.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_string_pretty(&schema).unwrap() + "\n",
        fnguard_report::json_schema(),
        "schemas/fnguard-v1.schema.json is stale: run `cargo run -p fnguard -- schema > schemas/fnguard-v1.schema.json`"
    );
    let validator = jsonschema::validator_for(&schema).unwrap();
    let ex = examples();
    let (_, v) = json_of(&["scan", ex.to_str().unwrap(), "--format", "json"]);
    let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn sarif_is_valid_against_the_official_schema_and_exits_0() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            workspace().join("crates/fnguard-report/tests/schemas/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad/serverless.yml",
        "service: x\nprovider: [unclosed\n",
    );
    let ex = examples();
    let out = fnguard()
        .args([
            "scan",
            ex.to_str().unwrap(),
            dir.path().to_str().unwrap(),
            "--format",
            "sarif",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "SARIF exits 0 unless --fail-on is given"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let run = &v["runs"][0];
    assert!(!run["results"].as_array().unwrap().is_empty());
    assert!(run["results"][0]["partialFingerprints"]["fnguard/v1"].is_string());
    assert!(run["tool"]["driver"]["rules"].as_array().unwrap().len() >= 20);
    let code = fnguard()
        .args([
            "scan",
            ex.to_str().unwrap(),
            "--format",
            "sarif",
            "--fail-on",
            "high",
        ])
        .output()
        .unwrap()
        .status
        .code();
    assert_eq!(code, Some(1));
}

#[test]
fn junit_and_markdown_render() {
    let ex = examples();
    let out = fnguard()
        .args(["scan", ex.to_str().unwrap(), "--format", "junit"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("<?xml"));
    assert!(text.contains("<failure type=\"high\""));
    assert_eq!(
        text.matches("<testsuite ").count(),
        text.matches("</testsuite>").count()
    );
    let out = fnguard()
        .args(["scan", ex.to_str().unwrap(), "--format", "markdown"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("| severity | rule |"));
}

#[test]
fn empty_directory_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = fnguard()
        .args(["scan", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no serverless project found"));
    let out = fnguard()
        .args(["scan", "/definitely/not/here"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_broken_file_is_reported_with_its_line_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "broken/serverless.yml",
        "service: x\nprovider:\n  name: aws\nfunctions:\n  a: [unclosed\n",
    );
    write(dir.path(), "dup/template.yaml", "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: a.b\n      Handler: a.c\n      Runtime: python3.12\n      FunctionUrlConfig: {AuthType: NONE}\n");
    write(dir.path(), "ok/serverless.yml", "service: ok\nprovider:\n  name: aws\n  runtime: nodejs22.x\nfunctions:\n  a:\n    handler: h.a\n    url: true\n");
    let (code, v) = json_of(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1);
    let errors = v["errors"].as_array().unwrap();
    let broken = errors
        .iter()
        .find(|e| e["file"] == "broken/serverless.yml")
        .expect("broken file reported");
    assert!(broken["line"].as_u64().unwrap() >= 5, "{broken}");
    let dup = errors
        .iter()
        .find(|e| {
            e["file"] == "dup/template.yaml"
                && e["message"].as_str().unwrap().contains("duplicate key")
        })
        .expect("duplicate key reported");
    assert_eq!(dup["line"], 7);
    assert!(dup["message"]
        .as_str()
        .unwrap()
        .contains("duplicate key `Handler`"));
    let fg201: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "FG201")
        .collect();
    assert_eq!(fg201.len(), 2, "both loadable projects were scanned");
}

#[test]
fn hostile_input_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from(
        "service: bomb\nprovider: {name: aws}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    write(dir.path(), "bomb/serverless.yml", &bomb);
    let deep = format!(
        "service: deep\nprovider: {{name: aws}}\nx: {}1{}\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    write(dir.path(), "deep/serverless.yml", &deep);
    let big = format!(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: {{}}\n#{}\n",
        "x".repeat(3 * 1024 * 1024)
    );
    write(dir.path(), "big/template.yaml", &big);
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    write(
        dir.path(),
        "ok/serverless.yml",
        "service: ok\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.a\n",
    );
    let (code, v) = json_of(&[
        "scan",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--max-file-size",
        "2",
    ]);
    assert_eq!(code, 0);
    let messages: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}: {}", e["file"], e["message"]))
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("bomb") && m.contains("alias bomb")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("deep") && (m.contains("nest") || m.contains("recursion"))),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("big") && m.contains("limit")),
        "{messages:?}"
    );
    assert_eq!(v["projects"].as_array().unwrap().len(), 1);
}

#[test]
fn select_ignore_and_fail_on() {
    let ex = examples();
    let ex = ex.to_str().unwrap();
    let (code, v) = json_of(&["scan", ex, "--format", "json", "--select", "FG2"]);
    assert_eq!(code, 1);
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"].as_str().unwrap().starts_with("FG2")));
    let (_, v) = json_of(&["scan", ex, "--format", "json", "--ignore", "FG203,FG601"]);
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] != "FG203" && f["rule"] != "FG601"));
    let (code, _) = json_of(&["scan", ex, "--format", "json", "--fail-on", "none"]);
    assert_eq!(code, 0);
    let (code, _) = json_of(&[
        "scan",
        ex,
        "--format",
        "json",
        "--select",
        "FG609",
        "--fail-on",
        "medium",
    ]);
    assert_eq!(code, 0, "FG609 is low");
    let out = fnguard()
        .args(["scan", ex, "--select", "FG999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Opt-in rules run only when asked for.
    let (_, v) = json_of(&["scan", ex, "--format", "json"]);
    assert!(!v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "FG604"));
    let (_, v) = json_of(&["scan", ex, "--format", "json", "--select", "FG604"]);
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "FG604"));
}

#[test]
fn config_file_enables_rules_and_overrides_severity() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "serverless.yml", "service: s\nprovider:\n  name: aws\n  runtime: nodejs22.x\nfunctions:\n  a:\n    handler: h.a\n    url: true\n");
    write(
        dir.path(),
        "fnguard.toml",
        "[rules]\nenable = [\"FG604\"]\nignore = [\"FG601\"]\n[rules.severity]\nFG201 = \"low\"\n",
    );
    let (code, v) = json_of(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "FG201 lowered to low");
    let f: Vec<&Value> = v["findings"].as_array().unwrap().iter().collect();
    assert!(f
        .iter()
        .any(|f| f["rule"] == "FG201" && f["severity"] == "low"));
    assert!(f.iter().any(|f| f["rule"] == "FG604"));
    assert!(!f.iter().any(|f| f["rule"] == "FG601"));
}

#[test]
fn inline_suppressions_need_a_reason_and_must_match() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "serverless.yml",
        "service: s\nprovider:\n  name: aws\n  runtime: nodejs22.x\nfunctions:\n  hook:\n    handler: h.a\n    # fnguard:ignore FG201 public webhook, verified by HMAC signature\n    url: true\n  other:\n    handler: h.b\n    url: true # fnguard:ignore FG201\n  third:\n    handler: h.c # fnguard:ignore FG203 nothing to suppress here\n",
    );
    let (_, v) = json_of(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    let fg201: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "FG201")
        .collect();
    assert_eq!(
        fg201.len(),
        1,
        "the reasoned suppression hides `hook`; the bare one does not hide `other`"
    );
    assert_eq!(fg201[0]["function"], "other");
    let errors: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert!(errors.iter().any(|m| m.contains("no reason")), "{errors:?}");
    assert!(
        errors.iter().any(|m| m.contains("matches no finding")),
        "{errors:?}"
    );
}

#[test]
fn rules_and_explain() {
    let out = fnguard().args(["rules"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("FG201") && text.contains("FG611"));
    let out = fnguard().args(["explain", "FG203"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("## Why is this bad?"));
    assert_eq!(
        fnguard()
            .args(["explain", "FG000"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn human_output_shows_the_source_line() {
    let ex = examples();
    let out = fnguard()
        .args(["scan", ex.to_str().unwrap(), "--select", "FG201"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("url: true"), "{text}");
    assert!(text.contains("fix:"));
    assert!(!text.contains("\x1b["), "no colour when not a terminal");
}

#[test]
fn cdk_output_is_found_even_when_git_ignored_and_names_the_construct() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", "cdk.out\n");
    write(
        dir.path(),
        "cdk.json",
        "{\"app\": \"npx ts-node bin/app.ts\"}\n",
    );
    let template =
        std::fs::read_to_string(examples().join("cdk-app/cdk.out/ReportsStack.template.json"))
            .unwrap();
    write(dir.path(), "cdk.out/ReportsStack.template.json", &template);
    write(
        dir.path(),
        "cdk.out/manifest.json",
        "{\"version\": \"36.0.0\"}\n",
    );
    let (_, v) = json_of(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(v["projects"][0]["format"], "cdk");
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "FG201")
        .expect("FG201");
    assert_eq!(
        f["evidence"]["construct_path"],
        "ReportsStack/ReportsHandler/Resource"
    );
    assert!(f["message"].as_str().unwrap().contains("CDK construct"));
}

#[test]
fn nested_stacks_get_the_parameters_their_parent_passes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "parent.yaml",
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Api:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./nested/api.yaml\n      Parameters:\n        UrlAuth: NONE\n",
    );
    write(
        dir.path(),
        "nested/api.yaml",
        "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  UrlAuth:\n    Type: String\n    Default: AWS_IAM\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: a.b\n      Role: arn:aws:iam::123456789012:role/r\n  Url:\n    Type: AWS::Lambda::Url\n    Properties:\n      TargetFunctionArn: !GetAtt Fn.Arn\n      AuthType: !Ref UrlAuth\n",
    );
    let (_, v) = json_of(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    let fg201: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "FG201")
        .collect();
    assert_eq!(
        fg201.len(),
        1,
        "the parent passes NONE, overriding the AWS_IAM default: {v}"
    );
    assert_eq!(fg201[0]["location"]["file"], "nested/api.yaml");
    assert_eq!(
        v["projects"].as_array().unwrap().len(),
        2,
        "the nested template is one project"
    );
}

#[test]
fn terraform_roots_modules_tfvars_and_params() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/main.tf",
        "variable \"url_auth\" {\n  default = \"AWS_IAM\"\n}\n\nresource \"aws_iam_role\" \"r\" {\n  assume_role_policy = \"{}\"\n}\n\nresource \"aws_lambda_function\" \"api\" {\n  function_name = \"api\"\n  runtime       = \"python3.12\"\n  handler       = \"a.b\"\n  role          = aws_iam_role.r.arn\n}\n\nresource \"aws_lambda_function_url\" \"api\" {\n  function_name      = aws_lambda_function.api.function_name\n  authorization_type = var.url_auth\n}\n\nmodule \"worker\" {\n  source  = \"./modules/worker\"\n  runtime = \"nodejs16.x\"\n}\n",
    );
    write(
        dir.path(),
        "app/modules/worker/main.tf",
        "variable \"runtime\" {\n  default = \"nodejs22.x\"\n}\n\nresource \"aws_lambda_function\" \"this\" {\n  function_name = \"worker\"\n  runtime       = var.runtime\n  handler       = \"a.b\"\n  role          = \"arn:aws:iam::123456789012:role/r\"\n}\n",
    );
    write(
        dir.path(),
        "broken/main.tf",
        "resource \"aws_lambda_function\" \"x\" {\n  runtime = \n}\n",
    );
    let root = dir.path().to_str().unwrap();
    let (_, v) = json_of(&["scan", root, "--format", "json"]);
    let projects: Vec<&str> = v["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert!(projects.contains(&"app"), "{projects:?}");
    assert!(
        !projects.contains(&"app/modules/worker"),
        "a module loaded through its caller is not a project of its own"
    );
    let findings = v["findings"].as_array().unwrap();
    let fg601 = findings
        .iter()
        .find(|f| f["rule"] == "FG601")
        .expect("the caller's runtime input is used");
    assert_eq!(fg601["function"], "module.worker.aws_lambda_function.this");
    assert_eq!(
        fg601["location"]["file"], "app/main.tf",
        "the caller's input is the line to change"
    );
    assert!(!findings.iter().any(|f| f["rule"] == "FG201"));
    let broken = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == "broken/main.tf")
        .expect("HCL error reported");
    assert_eq!(broken["line"], 2);

    // terraform.tfvars overrides the default; --param overrides both.
    write(dir.path(), "app/terraform.tfvars", "url_auth = \"NONE\"\n");
    let (_, v) = json_of(&["scan", root, "--format", "json"]);
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "FG201"));
    let (_, v) = json_of(&[
        "scan",
        root,
        "--format",
        "json",
        "--param",
        "url_auth=AWS_IAM",
    ]);
    assert!(!v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "FG201"));
}

#[test]
fn iam_reports_granted_needed_unused_and_never_widens() {
    let fixtures = workspace().join("crates/fnguard-rules/tests/fixtures");
    let policies = tempfile::tempdir().unwrap();
    let mut rows_seen = 0;
    for case in ["FG306/fail", "FG306/pass", "FG307/fail", "FG307/pass"] {
        let dir = fixtures.join(case);
        let out = fnguard()
            .args([
                "iam",
                dir.to_str().unwrap(),
                "--format",
                "json",
                "--emit-policies",
                policies.path().to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        for r in v["functions"].as_array().unwrap() {
            rows_seen += 1;
            let strings = |k: &str| -> Vec<String> {
                r[k].as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let needed = strings("needed_actions");
            let granted = strings("granted_actions");
            // Everything the suggestion allows is needed and was already granted.
            for st in r["suggested_policy"]["Statement"]
                .as_array()
                .into_iter()
                .flatten()
            {
                for a in st["Action"].as_array().unwrap() {
                    let a = a.as_str().unwrap().to_string();
                    assert!(
                        needed.contains(&a),
                        "{a} suggested but not needed in {case}"
                    );
                    assert!(
                        granted.contains(&a),
                        "{a} suggested but not granted in {case}"
                    );
                }
            }
        }
    }
    assert!(rows_seen >= 4);
    let dir = fixtures.join("FG306/fail");
    let (_, v) = json_of(&["iam", dir.to_str().unwrap(), "--format", "json"]);
    let read = v["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["function"] == "read")
        .unwrap();
    assert_eq!(read["needed_actions"], serde_json::json!(["s3:GetObject"]));
    assert_eq!(
        read["unused_actions"],
        serde_json::json!(["s3:DeleteObject", "s3:PutObject"])
    );
    assert_eq!(read["confidence"], "high");
    assert!(policies.path().join("read.json").is_file());
}

#[test]
fn iam_rows_of_a_shared_role_name_some_sharers_and_count_all() {
    // Every row repeats the role's sharers and gaps: listed in full, 95,000 functions on 50
    // roles made a 24 GB report.
    let dir = tempfile::tempdir().unwrap();
    let mut sls =
        String::from("service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n");
    for i in 0..30 {
        sls.push_str(&format!("  f{i}:\n    handler: missing.main\n"));
    }
    write(dir.path(), "serverless.yml", &sls);
    let out = fnguard()
        .args(["iam", dir.path().to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["functions"].as_array().unwrap();
    assert_eq!(rows.len(), 30);
    for r in rows {
        assert_eq!(r["shared_with_count"], 29, "{r}");
        let listed = r["shared_with"].as_array().unwrap();
        assert_eq!(listed.len(), 25);
        assert!(!listed.contains(&r["function"]));
        let reasons = r["confidence_reasons"].as_array().unwrap();
        assert_eq!(reasons.len(), 26, "{reasons:?}");
        assert_eq!(
            reasons[25],
            "and 5 more gaps of the functions sharing the role"
        );
    }
}

#[test]
fn iam_baseline_reports_added_access_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let sls = |actions: &str| {
        format!("service: s\nprovider:\n  name: aws\n  runtime: python3.12\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: [{actions}]\n          Resource: arn:aws:s3:::reports/*\nfunctions:\n  read:\n    handler: h.main\n")
    };
    write(dir.path(), "serverless.yml", &sls("s3:GetObject"));
    let baseline = dir.path().join("baseline.json");
    let root = dir.path().to_str().unwrap();
    let out = fnguard()
        .args(["iam", root, "--save-baseline", baseline.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // Same access written in another order: no change.
    write(dir.path(), "serverless.yml", &sls("s3:GetObject"));
    let out = fnguard()
        .args(["iam", root, "--baseline", baseline.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    write(
        dir.path(),
        "serverless.yml",
        &sls("s3:GetObject, s3:PutObject, s3:DeleteObject"),
    );
    let out = fnguard()
        .args(["iam", root, "--baseline", baseline.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("+2 actions on arn:aws:s3:::reports/*"),
        "{text}"
    );
}

#[test]
fn iam_suggestion_scopes_each_action_to_resources_it_acts_on() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "serverless.yml",
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: [s3:GetObject, s3:ListBucket]\n          Resource: [arn:aws:s3:::reports, 'arn:aws:s3:::reports/*']\n        - Effect: Allow\n          Action: kinesis:ListStreams\n          Resource: arn:aws:kinesis:*:*:stream/feed\n        - Effect: Allow\n          Action: dynamodb:PutItem\n          NotResource: arn:aws:dynamodb:*:*:table/admin\n        - Effect: Allow\n          Action: sqs:SendMessage\n          Resource: ${ssm:/queue-arn}\nfunctions:\n  read:\n    handler: h.main\n",
    );
    write(
        dir.path(),
        "h.py",
        "import boto3\ns3 = boto3.client(\"s3\")\n\ndef main(event, context):\n    s3.get_object(Bucket=\"reports\", Key=\"k\")\n    s3.list_objects_v2(Bucket=\"reports\")\n    boto3.client(\"kinesis\").list_streams()\n    boto3.client(\"dynamodb\").put_item(TableName=\"t\", Item={})\n    boto3.client(\"sqs\").send_message(QueueUrl=\"q\", MessageBody=\"b\")\n",
    );
    let (_, v) = json_of(&["iam", dir.path().to_str().unwrap(), "--format", "json"]);
    let row = &v["functions"][0];
    let statements = row["suggested_policy"]["Statement"].as_array().unwrap();
    let scope_of = |action: &str| {
        statements
            .iter()
            .find(|s| s["Action"].as_array().unwrap().iter().any(|a| a == action))
            .map(|s| {
                s.get("Resource")
                    .map(|r| ("Resource", r.clone()))
                    .unwrap_or_else(|| ("NotResource", s["NotResource"].clone()))
            })
    };
    // The granted bucket and object ARNs are split by what each action acts on.
    assert_eq!(
        scope_of("s3:GetObject"),
        Some(("Resource", serde_json::json!(["arn:aws:s3:::reports/*"])))
    );
    assert_eq!(
        scope_of("s3:ListBucket"),
        Some(("Resource", serde_json::json!(["arn:aws:s3:::reports"])))
    );
    // NotResource is carried over, never turned into "*".
    assert_eq!(
        scope_of("dynamodb:PutItem"),
        Some((
            "NotResource",
            serde_json::json!(["arn:aws:dynamodb:*:*:table/admin"])
        ))
    );
    // An unresolved resource stays as a placeholder to replace, not an empty Resource.
    let (_, sqs) = scope_of("sqs:SendMessage").unwrap();
    assert!(sqs[0].as_str().unwrap().starts_with('<'), "{sqs}");
    // ListStreams only accepts "*", which the role does not grant: left out, with a warning.
    assert_eq!(scope_of("kinesis:ListStreams"), None);
    let warnings = row["warnings"].to_string();
    assert!(
        warnings.contains("kinesis:ListStreams only accepts"),
        "{warnings}"
    );
    assert!(
        warnings.contains("could not be resolved offline"),
        "{warnings}"
    );
    for st in statements {
        let scope = st
            .get("Resource")
            .or_else(|| st.get("NotResource"))
            .unwrap();
        assert!(!scope.as_array().unwrap().is_empty(), "{st}");
    }
}

#[test]
fn iam_suggestion_narrows_to_the_table_the_code_reads_from_its_environment() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "template.yaml",
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Orders:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: orders\n  Audit:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: audit\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: app.main\n      CodeUri: src/\n      Environment:\n        Variables:\n          TABLE: !Ref Orders\n          UNUSED: !Ref Audit\n      Policies:\n        - Statement:\n            - Effect: Allow\n              Action: [dynamodb:GetItem, dynamodb:Query]\n              Resource: '*'\n",
    );
    write(
        &dir.path().join("src"),
        "app.py",
        "import os\nimport boto3\ntable = boto3.resource(\"dynamodb\").Table(os.environ[\"TABLE\"])\n\ndef main(event, context):\n    table.get_item(Key={\"id\": \"1\"})\n    return table.query(IndexName=\"byDate\", KeyConditionExpression=\"x\")\n",
    );
    let (_, v) = json_of(&["iam", dir.path().to_str().unwrap(), "--format", "json"]);
    let row = &v["functions"][0];
    let statements = row["suggested_policy"]["Statement"].as_array().unwrap();
    let resources_of = |action: &str| {
        statements
            .iter()
            .find(|s| s["Action"].as_array().unwrap().iter().any(|a| a == action))
            .map(|s| s["Resource"].clone())
    };
    // `*` narrows to the table named by the variable the code reads, not the unread `audit`.
    assert_eq!(
        resources_of("dynamodb:GetItem"),
        Some(serde_json::json!(["arn:aws:dynamodb:*:*:table/orders"])),
        "{row}"
    );
    assert_eq!(
        resources_of("dynamodb:Query"),
        Some(serde_json::json!([
            "arn:aws:dynamodb:*:*:table/orders",
            "arn:aws:dynamodb:*:*:table/orders/index/*"
        ])),
        "{row}"
    );
    assert!(
        row["warnings"]
            .to_string()
            .contains("dynamodb:GetItem narrowed from *"),
        "{row}"
    );
}

#[test]
fn users_extend_the_taint_catalog_in_fnguard_toml() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "serverless.yml",
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  api:\n    handler: app.handler\n",
    );
    write(
        dir.path(),
        "app.py",
        "import legacy\n\ndef handler(event, context):\n    legacy.run_query(event['body'])\n",
    );
    let count = |v: &Value| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "FG504")
            .count()
    };
    let (_, before) = json_of(&[
        "scan",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(count(&before), 0);
    write(
        dir.path(),
        "fnguard.toml",
        "[code]\ncatalog = \"taint.toml\"\n",
    );
    write(
        dir.path(),
        "taint.toml",
        "[[sink]]\nrule = \"FG504\"\ncalls = [\"legacy.run_query\"]\nargs = [0]\nnote = \"our legacy query helper\"\n",
    );
    let (_, after) = json_of(&[
        "scan",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(count(&after), 1, "{after:#}");
    write(dir.path(), "taint.toml", "[[sink]]\nrule = \n");
    let out = fnguard()
        .args(["scan", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("taint.toml: line"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn map_and_wallet_json_follow_the_contract() {
    let ex = examples();
    let (code, map) = json_of(&["map", ex.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(map["schema"], "fnguard/v1");
    let f = map["functions"].as_array().unwrap();
    assert!(f
        .iter()
        .all(|f| f["id"].is_string() && f["public"].is_boolean() && f["triggers"].is_array()));
    let kinds: std::collections::BTreeSet<&str> = map["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains("trigger") && kinds.contains("assume"),
        "{kinds:?}"
    );
    assert!(map["resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["sensitivity"].is_string()));

    let (code, wallet) = json_of(&["wallet", ex.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0);
    let entries = wallet["entry_points"].as_array().unwrap();
    assert!(!entries.is_empty());
    for e in entries {
        assert!(e["max_usd_per_hour"].as_f64().unwrap() > 0.0);
        assert!(e["limited_by"].is_string());
        assert!(e["explanation"].as_array().unwrap().len() >= 3, "{e}");
    }
    // A lower account limit lowers what a concurrency-bound entry point can cost.
    let (_, low) = json_of(&[
        "wallet",
        ex.to_str().unwrap(),
        "--format",
        "json",
        "--account-concurrency",
        "10",
    ]);
    let top = |v: &Value| v["entry_points"][0]["max_usd_per_hour"].as_f64().unwrap();
    assert!(top(&low) < top(&wallet));
}

/// A saved account snapshot is scanned like a template, with or without the `aws` feature.
fn aws_snapshot(dir: &Path, snapshot: &Value) -> std::path::PathBuf {
    let file = dir.join("snapshot.json");
    std::fs::write(&file, snapshot.to_string()).unwrap();
    file
}

#[test]
fn aws_scan_of_a_saved_snapshot_points_at_arns() {
    let dir = tempfile::tempdir().unwrap();
    let arn = "arn:aws:lambda:eu-west-1:123456789012:function:hook";
    let file = aws_snapshot(
        dir.path(),
        &serde_json::json!({
            "account": "123456789012",
            "region": "eu-west-1",
            "functions": [{
                "name": "hook", "arn": arn, "runtime": "python3.12", "handler": "app.handler",
                "role": "arn:aws:iam::123456789012:role/hook",
                "url": { "auth_type": "NONE" },
            }],
        }),
    );
    let (code, v) = json_of(&[
        "aws",
        "scan",
        "--snapshot",
        file.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let url = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "FG201")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(url["function"], "hook");
    assert_eq!(url["location"]["file"], arn);
}

#[test]
fn aws_scan_without_the_function_list_exits_2_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let file = aws_snapshot(
        dir.path(),
        &serde_json::json!({
            "account": "123456789012",
            "region": "eu-west-1",
            "errors": [{ "service": "lambda", "operation": "ListFunctions", "resource": "",
                         "message": "AccessDeniedException: not authorized to perform lambda:ListFunctions (HTTP 403)" }],
        }),
    );
    let (code, v) = json_of(&[
        "aws",
        "scan",
        "--snapshot",
        file.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 2);
    assert_eq!(v["errors"][0]["file"], "aws:lambda:ListFunctions");
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("AccessDenied"));
}

#[test]
fn nothing_found_names_the_formats_and_what_was_seen() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "infra/my-stack-template.yml", "hello: world\n");
    write(dir.path(), "README.md", "# x\n");
    let out = fnguard()
        .args(["scan", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 files walked"), "{err}");
    assert!(err.contains("infra/my-stack-template.yml"), "{err}");
    for format in ["Terraform", "Chalice", "Zappa", "CDK", "SAM"] {
        assert!(err.contains(format), "{format} missing from: {err}");
    }
}

#[test]
fn projects_without_functions_exit_2_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "template.yaml",
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B:\n    Type: AWS::S3::Bucket\n",
    );
    let out = fnguard()
        .args(["scan", dir.path().to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("none declares a Lambda function"));
}

/// `--synth` runs the app's command as `cdk synth` does (`CDK_OUTDIR`), scans what it writes
/// under `<app>/cdk.out/`, and reads the app from its source when the command fails.
#[cfg(unix)]
#[test]
fn synth_scans_what_the_app_synthesizes_and_falls_back_to_the_source() {
    let dir = tempfile::tempdir().unwrap();
    // An "app" that writes a template with a public function URL, as `app.synth()` would.
    let template = r#"{"Resources":{"Fn":{"Type":"AWS::Lambda::Function","Properties":{"Runtime":"python3.12","Handler":"index.handler","Code":{"ZipFile":"def handler(e, c): return 1"},"Role":"arn:aws:iam::123456789012:role/r"},"Metadata":{"aws:cdk:path":"Api/Fn/Resource"}},"FnUrl":{"Type":"AWS::Lambda::Url","Properties":{"AuthType":"NONE","TargetFunctionArn":{"Fn::GetAtt":["Fn","Arn"]}}}}}"#;
    // Not named like a template, so only the synthesized copy is one.
    write(dir.path(), "good/assembly.txt", template);
    write(
        dir.path(),
        "good/cdk.json",
        r#"{"app": "cp assembly.txt \"$CDK_OUTDIR/Api.template.json\""}"#,
    );
    write(
        dir.path(),
        "bad/cdk.json",
        r#"{"app": "echo 'Cannot find module aws-cdk-lib' >&2; exit 1"}"#,
    );
    write(
        dir.path(),
        "bad/app.ts",
        "import * as lambda from 'aws-cdk-lib/aws-lambda';\nclass S extends Stack { constructor(s: any, id: string) { super(s, id); const f = new lambda.Function(this, 'Src', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('x') }); f.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE }); } }\n",
    );
    let out = fnguard()
        .args(["scan", "--synth", "--format", "json", "--fail-on", "none"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "FG201")
        .map(|f| {
            (
                f["location"]["file"].as_str().unwrap().to_string(),
                f["function"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    // The synthesized template, shown where `cdk synth` would write it; the failed app from
    // its source.
    assert!(
        findings.contains(&("good/cdk.out/Api.template.json".into(), "Fn".into())),
        "{findings:?}"
    );
    assert!(
        findings
            .iter()
            .any(|(file, f)| file == "bad/app.ts" && f == "Src"),
        "{findings:?}"
    );
    let errors = v["errors"].as_array().unwrap();
    let failed = errors
        .iter()
        .find(|e| e["file"] == "bad/cdk.json" && e["level"] == "error")
        .expect("the failed synth is an error");
    assert!(failed["message"]
        .as_str()
        .unwrap()
        .contains("Cannot find module aws-cdk-lib"));
}

/// `${path.module}` in a Terraform module scanned through a relative path names the code
/// directory once (it used to be joined with the module's directory a second time).
#[test]
fn terraform_path_module_with_a_relative_scan_path() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("main.tf"),
        r#"
data "archive_file" "zip" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/fn.zip"
}

resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = "{}"
}

resource "aws_lambda_function" "fn" {
  function_name = "fn"
  filename      = data.archive_file.zip.output_path
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = aws_iam_role.r.arn
}
"#,
    )
    .unwrap();
    std::fs::write(
        app.join("src/app.py"),
        "import boto3\n\nsqs = boto3.client('sqs')\n\ndef handler(event, context):\n    sqs.send_message(QueueUrl='q', MessageBody='m')\n",
    )
    .unwrap();
    let out = fnguard()
        .current_dir(tmp.path())
        .args(["iam", "app", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let needed = &json["functions"][0]["needed_actions"];
    assert_eq!(needed, &serde_json::json!(["sqs:SendMessage"]), "{json}");
}

/// A Go function whose `archive_file` zips a build output (`bin/`, not committed) is read from
/// the `main` package that starts the Lambda runtime.
#[test]
fn terraform_go_archive_of_a_build_output_reads_the_main_package() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path();
    std::fs::write(
        app.join("main.tf"),
        r#"
data "archive_file" "zip" {
  type        = "zip"
  source_dir  = "${path.module}/bin"
  output_path = "${path.module}/dist/fn.zip"
}

resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = "{}"
}

resource "aws_lambda_function" "fn" {
  function_name = "fn"
  filename      = "${path.module}/dist/fn.zip"
  handler       = "bootstrap"
  runtime       = "provided.al2023"
  role          = aws_iam_role.r.arn
}
"#,
    )
    .unwrap();
    std::fs::write(
        app.join("main.go"),
        "package main\n\nimport (\n\t\"context\"\n\t\"github.com/aws/aws-lambda-go/lambda\"\n\t\"github.com/aws/aws-sdk-go-v2/service/sqs\"\n)\n\nvar c *sqs.Client\n\nfunc handle(ctx context.Context, e map[string]string) error {\n\t_, err := c.SendMessage(ctx, &sqs.SendMessageInput{})\n\treturn err\n}\n\nfunc main() { lambda.Start(handle) }\n",
    )
    .unwrap();
    let out = fnguard()
        .args(["iam", app.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let needed = &json["functions"][0]["needed_actions"];
    assert_eq!(needed, &serde_json::json!(["sqs:SendMessage"]), "{json}");
}

#[test]
fn github_annotations_point_at_the_line_to_edit() {
    // From the repository root, as CI runs it: annotations carry repository paths.
    let out = fnguard()
        .current_dir(workspace())
        .args(["scan", "--format", "github", "examples/sam-shop"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("github_sam_shop", text);
    for line in text.lines().filter(|l| l.starts_with("::")) {
        let (command, rest) = line[2..].split_once(' ').unwrap();
        assert!(matches!(command, "error" | "warning" | "notice"), "{line}");
        let (props, message) = rest.split_once("::").unwrap();
        assert!(props.starts_with("file="), "{line}");
        assert!(!message.contains('\n') && !message.is_empty(), "{line}");
        // Property values never carry a bare delimiter.
        for p in props.split(',') {
            let (_, v) = p.split_once('=').unwrap();
            assert!(!v.contains(':'), "{line}");
        }
    }
}

#[test]
fn gitlab_code_quality_issues_have_the_fields_gitlab_reads() {
    let (code, v) = json_of(&[
        "scan",
        "--format",
        "gitlab",
        examples().join("sam-shop").to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    let issues = v.as_array().unwrap();
    assert!(!issues.is_empty());
    let mut fingerprints = std::collections::HashSet::new();
    for i in issues {
        assert!(i["description"].as_str().is_some_and(|d| !d.is_empty()));
        assert!(i["check_name"].as_str().unwrap().starts_with("FG"));
        assert!(matches!(
            i["severity"].as_str().unwrap(),
            "info" | "minor" | "major" | "critical" | "blocker"
        ));
        assert!(i["location"]["path"].as_str().is_some());
        assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        assert!(fingerprints.insert(i["fingerprint"].as_str().unwrap().to_string()));
    }
}
