use crate::{ScanReport, SCHEMA_ID};
use fnguard_model::{Finding, Level, Location, ScanError, Severity};
use rayon::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

/// The `fnguard/v1` document: `fnguard scan --format json`.
#[derive(Serialize, JsonSchema)]
pub struct JsonReport {
    /// Always `fnguard/v1`.
    pub schema: String,
    pub tool: JsonTool,
    pub projects: Vec<JsonProject>,
    /// Files that could not be read or parsed, and other notices about the input.
    pub errors: Vec<JsonError>,
    pub findings: Vec<JsonFinding>,
    pub summary: JsonSummary,
}

#[derive(Serialize, JsonSchema)]
pub struct JsonTool {
    pub name: String,
    pub version: String,
}

#[derive(Serialize, JsonSchema)]
pub struct JsonProject {
    /// The descriptor's path relative to the scanned root.
    pub path: String,
    /// `serverless`, `cloudformation`, `sam`, `cdk`, `terraform`, `live`.
    pub format: String,
    /// Function ids as written in the descriptor.
    pub functions: Vec<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct JsonError {
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
    /// `error` (part of the input was not scanned) or `warning`.
    pub level: String,
}

#[derive(Serialize, JsonSchema)]
pub struct JsonLocation {
    /// Relative to the scanned root.
    pub file: String,
    /// 1-based; 0 when the finding is about the file as a whole.
    pub line: u32,
    pub column: u32,
}

#[derive(Serialize, JsonSchema)]
pub struct JsonFinding {
    /// Rule id, e.g. `FG201`.
    pub rule: String,
    pub name: String,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub severity: String,
    /// 1 to 9.
    pub practice: u8,
    pub message: String,
    /// The function's id when the finding concerns exactly one function.
    pub function: Option<String>,
    /// Every function the finding concerns (empty when it concerns none, such as an API's
    /// stage setting with no function behind it).
    pub functions: Vec<String>,
    pub resource: Option<String>,
    pub location: JsonLocation,
    pub related: Vec<JsonLocation>,
    pub remediation: String,
    /// Stable across line moves.
    pub fingerprint: String,
    /// Rule-specific details.
    #[schemars(with = "serde_json::Value")]
    pub evidence: fnguard_model::Evidence,
    /// Edits `fnguard fix` can make (safe ones by default, unsafe ones with
    /// `--unsafe-fixes`). Absent when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<JsonFix>,
}

#[derive(Serialize, JsonSchema)]
pub struct JsonFix {
    /// `safe` or `unsafe`.
    pub applicability: String,
    pub title: String,
    /// The descriptor the fix edits, relative to the scanned root.
    pub file: String,
    /// The change in the model's terms: `kind` (`tracing`, `log_retention`, `url_auth_iam`,
    /// `runtime`, `reserved_concurrency`, `no_echo`) and its arguments.
    pub change: serde_json::Value,
}

#[derive(Serialize, JsonSchema)]
pub struct JsonSummary {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

fn loc(l: &Location) -> JsonLocation {
    JsonLocation {
        file: l.file.to_string(),
        line: l.line,
        column: l.column,
    }
}

pub(crate) fn finding(f: &Finding) -> JsonFinding {
    JsonFinding {
        rule: f.rule.to_string(),
        name: f.name.to_string(),
        severity: f.severity.as_str().to_string(),
        practice: f.practice.0,
        message: f.message.clone(),
        function: f.function.clone(),
        functions: f.functions.clone(),
        resource: f.resource.clone(),
        location: loc(&f.location),
        related: f.related.iter().map(loc).collect(),
        remediation: f.remediation.clone(),
        fingerprint: f.fingerprint.clone(),
        evidence: f.evidence.clone(),
        fixes: f
            .fixes
            .iter()
            .map(|x| JsonFix {
                applicability: match x.applicability {
                    fnguard_model::Applicability::Safe => "safe",
                    fnguard_model::Applicability::Unsafe => "unsafe",
                }
                .to_string(),
                title: x.title.clone(),
                file: x.file.clone(),
                change: serde_json::to_value(&x.change).unwrap_or_default(),
            })
            .collect(),
    }
}

pub(crate) fn error(e: &ScanError) -> JsonError {
    JsonError {
        file: e.file.clone(),
        line: e.line,
        message: e.message.clone(),
        level: match e.level {
            Level::Error => "error",
            Level::Warning => "warning",
        }
        .to_string(),
    }
}

/// The document with an empty findings array ([`write_json`] writes the findings into it).
fn build_without_findings(report: &ScanReport<'_>) -> JsonReport {
    let counts = report.counts();
    let n = |s: Severity| counts.get(&s).copied().unwrap_or(0);
    JsonReport {
        schema: SCHEMA_ID.to_string(),
        tool: JsonTool {
            name: "fnguard".into(),
            version: report.tool_version.to_string(),
        },
        projects: report
            .projects
            .iter()
            .map(|p| JsonProject {
                path: p.path.clone(),
                format: p.format.clone(),
                functions: p.functions.clone(),
            })
            .collect(),
        errors: report.errors.iter().map(error).collect(),
        findings: Vec::new(),
        summary: JsonSummary {
            critical: n(Severity::Critical),
            high: n(Severity::High),
            medium: n(Severity::Medium),
            low: n(Severity::Low),
            info: n(Severity::Info),
        },
    }
}

pub fn render_json(report: &ScanReport<'_>) -> String {
    let mut out = Vec::new();
    if let Err(e) = write_json(report, &mut out) {
        return format!(
            "{{\"schema\":\"{SCHEMA_ID}\",\"error\":\"could not serialise the report: {e}\"}}\n"
        );
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Findings rendered per batch: a batch is rendered on every core, then written.
const FINDINGS_PER_BATCH: usize = 1024;

/// Writes the `fnguard/v1` document to `out` as it is rendered: a template of 90,000 functions
/// gives a document of 100 MB, which never exists whole in memory. The findings are most of
/// it; each is rendered on its own (on every core) and indented as the pretty printer nests it,
/// in the place of an empty array in the rest of the document. JSON strings hold no raw
/// newline, so every line break is the printer's own.
pub fn write_json(report: &ScanReport<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let rest = serde_json::to_string_pretty(&build_without_findings(report))?;
    let empty = "\n  \"findings\": [],\n";
    let Some(at) = rest.find(empty) else {
        return Err(std::io::Error::other("no findings array in the report"));
    };
    if report.findings.is_empty() {
        out.write_all(rest.as_bytes())?;
        return out.write_all(b"\n");
    }
    out.write_all(&rest.as_bytes()[..at])?;
    out.write_all(b"\n  \"findings\": [")?;
    let indent = format!("\n{FINDING_INDENT}");
    let mut first = true;
    for batch in report.findings.chunks(FINDINGS_PER_BATCH) {
        let rendered: Vec<String> = batch
            .par_iter()
            .map(|f| {
                serde_json::to_string_pretty(&finding(f)).map(|one| one.replace('\n', &indent))
            })
            .collect::<Result<_, _>>()?;
        for r in rendered {
            out.write_all(if first { b"\n" } else { b",\n" })?;
            first = false;
            out.write_all(FINDING_INDENT.as_bytes())?;
            out.write_all(r.as_bytes())?;
        }
    }
    out.write_all(b"\n  ],\n")?;
    out.write_all(&rest.as_bytes()[at + empty.len()..])?;
    out.write_all(b"\n")
}

/// A finding's depth in the document (top-level object, then the findings array), as the
/// pretty printer indents it.
const FINDING_INDENT: &str = "    ";

/// The JSON Schema of [`JsonReport`], as committed under `schemas/`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(JsonReport);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ProjectSummary;
    use fnguard_model::{Applicability, Change, Fix, Practice};

    pub(crate) fn finding_with(n: usize) -> Finding {
        Finding {
            rule: "FG201",
            name: "public-url",
            severity: Severity::High,
            practice: Practice(2),
            message: format!("line one\nline \"two\" {n}\t\\ {{\"findings\": []}}"),
            function: n.is_multiple_of(2).then(|| format!("Fn{n}")),
            functions: (0..n % 3).map(|i| format!("F{i}")).collect(),
            resource: None,
            location: Location::new("template.yaml", n as u32, 3),
            related: (0..(n % 2) as u32)
                .map(|i| Location::new("other.yaml", i, 1))
                .collect(),
            remediation: "set AuthType: AWS_IAM\n".into(),
            fingerprint: format!("fp{n}"),
            evidence: serde_json::json!({
                "nested": {"list": [1, {"deep": [[], {}]}], "empty": {}},
                "text": "a\nb",
                "n": n,
            })
            .into(),
            fixes: (0..n % 2)
                .map(|_| Fix {
                    applicability: Applicability::Safe,
                    title: "turn on tracing".into(),
                    file: "template.yaml".into(),
                    change: Change::Tracing {
                        function: "Fn".into(),
                    },
                })
                .collect(),
        }
    }

    /// The one project the findings of [`finding_with`] belong to.
    pub(crate) fn one_project() -> Vec<ProjectSummary> {
        vec![ProjectSummary {
            path: "template.yaml".into(),
            format: "sam".into(),
            functions: vec!["Fn".into()],
        }]
    }

    #[test]
    fn findings_rendered_apart_give_the_document_the_pretty_printer_gives() {
        let projects = one_project();
        let errors = vec![ScanError::warning("x.yaml", Some(3), "\"findings\": [],")];
        for count in [0, 1, 2, 7, FINDINGS_PER_BATCH + 3] {
            let findings: Vec<Finding> = (0..count).map(finding_with).collect();
            let report = ScanReport {
                tool_version: "0.1.0",
                projects: &projects,
                errors: &errors,
                findings: &findings,
            };
            let mut doc = build_without_findings(&report);
            doc.findings = findings.iter().map(finding).collect();
            let mut whole = serde_json::to_string_pretty(&doc).unwrap();
            whole.push('\n');
            assert_eq!(render_json(&report), whole, "{count} findings");
        }
    }
}
