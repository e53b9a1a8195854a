use crate::ScanReport;
use fnguard_model::{Finding, Level, Location, Severity};
use fnguard_rules::registry;
use serde_json::{json, Value};

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

fn physical(l: &Location) -> Value {
    let mut p = json!({
        "artifactLocation": { "uri": uri(&l.file), "uriBaseId": "%SRCROOT%" }
    });
    if l.line > 0 {
        p["region"] = json!({ "startLine": l.line, "startColumn": l.column.max(1) });
    }
    p
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

fn result(f: &Finding, rule_index: usize) -> Value {
    let mut r = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": format!("{} Fix: {}", f.message, f.remediation) },
        "locations": [{ "physicalLocation": physical(&f.location) }],
        "partialFingerprints": { "fnguard/v1": f.fingerprint },
        "properties": {
            "severity": f.severity.as_str(),
            "practice": f.practice.0,
            "function": f.function,
            "functions": f.functions,
            "resource": f.resource,
            "evidence": f.evidence,
        }
    });
    if !f.related.is_empty() {
        r["relatedLocations"] = Value::Array(
            f.related
                .iter()
                .enumerate()
                .map(|(i, l)| json!({ "id": i, "physicalLocation": physical(l) }))
                .collect(),
        );
    }
    r
}

pub fn render_sarif(report: &ScanReport<'_>) -> String {
    let rules = registry();
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|r| {
            let m = r.meta();
            json!({
                "id": m.id,
                "name": m.name,
                "shortDescription": { "text": m.summary() },
                "fullDescription": { "text": m.summary() },
                "help": { "text": m.doc, "markdown": m.doc },
                "helpUri": format!("https://github.com/fnguard/fnguard/blob/main/docs/rules/{}.md", m.id),
                "defaultConfiguration": { "level": level(m.severity), "enabled": !m.opt_in },
                "properties": {
                    "tags": ["security", format!("practice-{}", m.practice.0)],
                    "security-severity": security_severity(m.severity),
                    "precision": "high",
                }
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let idx = rules
                .iter()
                .position(|r| r.meta().id == f.rule)
                .unwrap_or(0);
            result(f, idx)
        })
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let mut n = json!({
                "level": if e.level == Level::Error { "error" } else { "warning" },
                "message": { "text": e.message },
            });
            let l = Location::new(e.file.clone(), e.line.unwrap_or(0), 1);
            n["locations"] = json!([{ "physicalLocation": physical(&l) }]);
            n
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "fnguard",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": "https://github.com/fnguard/fnguard",
                "rules": descriptors,
            }},
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "The scanned root." } } },
            "invocations": [{
                "executionSuccessful": !report.errors.iter().any(|e| e.level == Level::Error),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
