//! Custom rules in Rego: the model document they read, the example policies and their tests,
//! findings at the element's line, and clear errors for broken policies.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fnguard() -> Command {
    let mut c = Command::cargo_bin("fnguard").unwrap();
    c.current_dir(workspace())
        .env("FNGUARD_TODAY", "2026-12-04")
        .env("NO_COLOR", "1")
        .env("FNGUARD_DB", "/nonexistent/fnguard-test-db");
    c
}

#[test]
fn the_model_document_matches_its_committed_schema() {
    let out = fnguard()
        .args(["model", "--format", "schema"])
        .output()
        .unwrap();
    let generated = String::from_utf8(out.stdout).unwrap();
    let committed =
        std::fs::read_to_string(workspace().join("schemas/fnguard-model-v1.schema.json")).unwrap();
    assert_eq!(
        generated, committed,
        "regenerate: fnguard model --format schema > schemas/fnguard-model-v1.schema.json"
    );
    let schema: Value = serde_json::from_str(&committed).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let out = fnguard()
        .args(["model", "examples/sam-shop", "examples/orders-api"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(docs.len(), 2);
    for doc in &docs {
        let problems: Vec<String> = validator
            .iter_errors(doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(problems.is_empty(), "{problems:?}");
    }
    let webhook = docs[0]["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "Webhook")
        .unwrap();
    assert_eq!(webhook["url"]["auth_type"], "NONE");
    assert_eq!(webhook["runtime"], "python3.12");
    assert!(webhook["packages"]
        .as_array()
        .is_some_and(|p| !p.is_empty()));
    assert!(docs[0]["edges"].as_array().is_some_and(|e| !e.is_empty()));
}

#[test]
fn the_example_policies_pass_their_tests() {
    let out = fnguard()
        .args(["policy", "test", "examples/policies"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("8 passed, 0 failed"), "{text}");
}

#[test]
fn a_failing_policy_test_fails_the_command() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.rego"),
        "# METADATA\n# custom:\n#   id: T001\n#   severity: low\n#   practice: 6\npackage fnguard.p\n\ndeny contains {\"id\": f.id, \"message\": \"x\"} if {\n\tsome f in input.functions\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p_test.rego"),
        "package fnguard.p_test\n\nimport data.fnguard.p\n\ntest_nothing_is_denied if {\n\tcount(p.deny) == 0 with input as {\"functions\": [{\"id\": \"A\"}]}\n}\n",
    )
    .unwrap();
    let out = fnguard()
        .args(["policy", "test"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL"));
}

#[test]
fn custom_rules_become_findings_at_the_element_line() {
    let out = fnguard()
        .args([
            "scan",
            "examples/sam-shop",
            "--policy",
            "examples/policies",
            "--format",
            "json",
            "--fail-on",
            "none",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let custom: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("ORG"))
        .collect();
    // sam-shop traces every function (Globals) and runs python3.12: only the public function
    // whose role may delete would fire ORG003, and it has no delete action; so the policies
    // stay silent on it.
    assert!(
        custom
            .iter()
            .all(|f| f["rule"] != "ORG001" && f["rule"] != "ORG002"),
        "{custom:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("template.yaml"),
        r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Cleaner:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.8
      Handler: app.handler
      InlineCode: "def handler(e, c):\n    return 1\n"
      FunctionUrlConfig:
        AuthType: NONE
      Policies:
        - Statement:
            - Effect: Allow
              Action: dynamodb:DeleteItem
              Resource: "*"
"#,
    )
    .unwrap();
    let out = fnguard()
        .args(["scan", "--policy"])
        .arg(workspace().join("examples/policies"))
        .args(["--format", "json", "--fail-on", "none"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut custom: Vec<(String, String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("ORG"))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["function"].as_str().unwrap_or("").to_string(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    custom.sort();
    assert_eq!(
        custom,
        [
            ("ORG001".to_string(), "Cleaner".to_string(), 4),
            ("ORG002".to_string(), "Cleaner".to_string(), 4),
            ("ORG003".to_string(), "Cleaner".to_string(), 4),
        ],
        "{}",
        v["errors"]
    );
}

#[test]
fn broken_policies_are_named_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("no_meta.rego"),
        "package fnguard.no_meta\n\ndeny contains {\"id\": \"x\", \"message\": \"m\"} if { false }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("syntax.rego"),
        "# METADATA\n# custom:\n#   id: T002\n#   severity: high\n#   practice: 2\npackage fnguard.syntax\n\ndeny contains x if {\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("wrong_package.rego"),
        "# METADATA\n# custom:\n#   id: T003\n#   severity: high\n#   practice: 2\npackage acme.rules\n",
    )
    .unwrap();
    let out = fnguard()
        .args([
            "scan",
            "examples/sam-shop",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--policy",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = v["errors"].to_string();
    let reported = |file: &str, line: u64, message: &str| {
        v["errors"].as_array().unwrap().iter().any(|e| {
            e["file"].as_str().is_some_and(|f| f.ends_with(file))
                && e["line"] == line
                && e["message"].as_str().is_some_and(|m| m.contains(message))
        })
    };
    assert!(
        reported("no_meta.rego", 1, "no `# METADATA` block"),
        "{errors}"
    );
    assert!(reported("syntax.rego", 9, "expecting"), "{errors}");
    assert!(
        reported(
            "wrong_package.rego",
            6,
            "package `acme.rules` must be under `fnguard.`"
        ),
        "{errors}"
    );
    assert!(
        v["findings"].as_array().is_some_and(|f| !f.is_empty()),
        "built-in rules still ran"
    );
}

#[test]
fn sarif_results_of_custom_rules_name_their_own_descriptor() {
    // `ruleIndex` of a custom rule's result pointed at the first built-in rule (FG101), so code
    // scanning showed FG101's help for it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("serverless.yml"),
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  f:\n    handler: h.main\n",
    )
    .unwrap();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(
        policies.join("memory.rego"),
        "# METADATA\n# title: function-without-memory\n# custom:\n#   id: ORG100\n#   severity: low\n#   practice: 8\n#   fix: Set MemorySize.\npackage fnguard.memory\n\ndeny contains finding if {\n\tsome f in input.functions\n\tf.memory == null\n\tfinding := {\"id\": f.id, \"message\": \"no memory size\"}\n}\n",
    )
    .unwrap();
    let out = fnguard()
        .args(["scan", "--policy"])
        .arg(&policies)
        .args(["--format", "sarif", "--fail-on", "none"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "ORG100"));
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"], "{r}");
    }
    let custom = rules.iter().find(|d| d["id"] == "ORG100").unwrap();
    assert_eq!(custom["name"], "function-without-memory");
    assert_eq!(custom["help"]["text"], "Set MemorySize.");
}
