use crate::ScanReport;
use fnguard_model::{Finding, Level, Location, Severity};
use fnguard_rules::registry;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning ranks results by this number (CVSS-like, 0.0–10.0).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// Results are serialised from these borrowed structs rather than built as `serde_json::Value`
/// trees: a report of 100,000 findings held 1.5 GB as values.
#[derive(Serialize)]
struct PhysicalLocation {
    #[serde(rename = "artifactLocation")]
    artifact: Artifact,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct Artifact {
    uri: String,
    #[serde(rename = "uriBaseId")]
    base: &'static str,
}

#[derive(Serialize)]
struct Region {
    #[serde(rename = "startLine")]
    line: u32,
    #[serde(rename = "startColumn")]
    column: u32,
}

#[derive(Serialize)]
struct At {
    #[serde(rename = "physicalLocation")]
    physical: PhysicalLocation,
}

#[derive(Serialize)]
struct Related {
    id: usize,
    #[serde(rename = "physicalLocation")]
    physical: PhysicalLocation,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "fnguard/v1")]
    fnguard: &'a str,
}

#[derive(Serialize)]
struct Properties<'a> {
    severity: &'static str,
    practice: u8,
    function: &'a Option<String>,
    functions: &'a [String],
    resource: &'a Option<String>,
    evidence: &'a fnguard_model::Evidence,
}

#[derive(Serialize)]
struct SarifResult<'a> {
    #[serde(rename = "ruleId")]
    rule_id: &'a str,
    #[serde(rename = "ruleIndex")]
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [At; 1],
    #[serde(rename = "partialFingerprints")]
    fingerprints: Fingerprints<'a>,
    properties: Properties<'a>,
    #[serde(rename = "relatedLocations", skip_serializing_if = "Vec::is_empty")]
    related: Vec<Related>,
}

fn physical(l: &Location) -> PhysicalLocation {
    PhysicalLocation {
        artifact: Artifact {
            uri: uri(&l.file),
            base: "%SRCROOT%",
        },
        region: (l.line > 0).then(|| Region {
            line: l.line,
            column: l.column.max(1),
        }),
    }
}

fn uri(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            seg.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        (b as char).to_string()
                    }
                    other => format!("%{other:02X}"),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn result(f: &Finding, rule_index: usize) -> SarifResult<'_> {
    SarifResult {
        rule_id: f.rule,
        rule_index,
        level: level(f.severity),
        message: Text {
            text: format!("{} Fix: {}", f.message, f.remediation),
        },
        locations: [At {
            physical: physical(&f.location),
        }],
        fingerprints: Fingerprints {
            fnguard: &f.fingerprint,
        },
        properties: Properties {
            severity: f.severity.as_str(),
            practice: f.practice.0,
            function: &f.function,
            functions: &f.functions,
            resource: &f.resource,
            evidence: &f.evidence,
        },
        related: f
            .related
            .iter()
            .enumerate()
            .map(|(id, l)| Related {
                id,
                physical: physical(l),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct Doc<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Value,
    #[serde(rename = "originalUriBaseIds")]
    bases: Value,
    invocations: Value,
    results: Results<'a>,
}

/// The findings as SARIF results, each made as it is written: a report of a hundred thousand
/// findings never holds them all in their SARIF form.
struct Results<'a> {
    findings: &'a [Finding],
    /// Each rule's index among the descriptors.
    index: HashMap<&'a str, usize>,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.findings
                .iter()
                .map(|f| result(f, self.index.get(f.rule).copied().unwrap_or(0))),
        )
    }
}

/// What a rule descriptor says: a built-in rule's metadata, or what a custom rule's findings
/// carry.
struct RuleInfo<'a> {
    id: &'a str,
    name: &'a str,
    summary: String,
    help: &'a str,
    severity: Severity,
    practice: u8,
    enabled: bool,
    help_uri: Option<String>,
}

fn descriptor(r: RuleInfo<'_>) -> Value {
    let mut d = json!({
        "id": r.id,
        "name": r.name,
        "shortDescription": { "text": r.summary },
        "fullDescription": { "text": r.summary },
        "help": { "text": r.help, "markdown": r.help },
    });
    if let Some(u) = r.help_uri {
        d["helpUri"] = json!(u);
    }
    d["defaultConfiguration"] = json!({ "level": level(r.severity), "enabled": r.enabled });
    d["properties"] = json!({
        "tags": ["security", format!("practice-{}", r.practice)],
        "security-severity": security_severity(r.severity),
        "precision": "high",
    });
    d
}

/// [`write_sarif`] into a string.
pub fn render_sarif(report: &ScanReport<'_>) -> String {
    let mut bytes = Vec::new();
    // Writing to a vector cannot fail.
    let _ = write_sarif(report, &mut bytes);
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The report as a SARIF 2.1.0 log, written to `w` as it is serialized.
pub fn write_sarif(report: &ScanReport<'_>, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let rules = registry();
    let mut descriptors: Vec<Value> = rules
        .iter()
        .map(|r| {
            let m = r.meta();
            descriptor(RuleInfo {
                id: m.id,
                name: m.name,
                summary: m.summary(),
                help: m.doc,
                severity: m.severity,
                practice: m.practice.0,
                enabled: !m.opt_in,
                help_uri: Some(format!(
                    "https://github.com/fnguard/fnguard/blob/main/docs/rules/{}.md",
                    m.id
                )),
            })
        })
        .collect();
    let mut index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.meta().id, i))
        .collect();
    // Custom (Rego) rules are described from their findings: `ruleIndex` must name their own
    // descriptor (it named the first built-in rule).
    for f in report.findings {
        if !index.contains_key(f.rule) {
            index.insert(f.rule, descriptors.len());
            descriptors.push(descriptor(RuleInfo {
                id: f.rule,
                name: f.name,
                summary: f.name.to_string(),
                help: &f.remediation,
                severity: f.severity,
                practice: f.practice.0,
                enabled: true,
                help_uri: None,
            }));
        }
    }
    let results = Results {
        findings: report.findings,
        index,
    };
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let l = Location::new(e.file.clone(), e.line.unwrap_or(0), 1);
            json!({
                "level": if e.level == Level::Error { "error" } else { "warning" },
                "message": { "text": e.message },
                "locations": [{ "physicalLocation": physical(&l) }],
            })
        })
        .collect();
    let doc = Doc {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: json!({ "driver": {
                "name": "fnguard",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": "https://github.com/fnguard/fnguard",
                "rules": descriptors,
            }}),
            bases: json!({ "%SRCROOT%": { "description": { "text": "The scanned root." } } }),
            invocations: json!([{
                "executionSuccessful": !report.errors.iter().any(|e| e.level == Level::Error),
                "toolExecutionNotifications": notifications,
            }]),
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod writing_tests {
    use super::*;
    use crate::json::tests::finding_with;

    struct Full;

    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn results_made_as_they_are_written_are_one_per_finding_with_their_rule_index() {
        let findings: Vec<Finding> = (0..1_027).map(finding_with).collect();
        let report = ScanReport {
            tool_version: "0.1.0",
            projects: &[],
            errors: &[],
            findings: &findings,
        };
        let text = render_sarif(&report);
        assert!(text.ends_with("}\n"));
        let doc: Value = serde_json::from_str(&text).unwrap();
        let results = doc["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 1_027);
        let fg201 = registry()
            .iter()
            .position(|r| r.meta().id == "FG201")
            .unwrap();
        assert!(results
            .iter()
            .all(|r| r["ruleId"] == "FG201" && r["ruleIndex"] == fg201));
        assert_eq!(results[5]["partialFingerprints"]["fnguard/v1"], "fp5");
        let err = write_sarif(&report, &mut Full).unwrap_err();
        assert_eq!(err.to_string(), "disk full");
    }
}
