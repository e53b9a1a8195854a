use crate::{ScanReport, SCHEMA_ID};
use fnguard_model::{Finding, Level, Location, ScanError, Severity};
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
    pub evidence: serde_json::Value,
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

pub fn build(report: &ScanReport<'_>) -> JsonReport {
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
        findings: report.findings.iter().map(finding).collect(),
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
    let mut s = serde_json::to_string_pretty(&build(report)).unwrap_or_else(|e| {
        format!("{{\"schema\":\"{SCHEMA_ID}\",\"error\":\"could not serialise the report: {e}\"}}")
    });
    s.push('\n');
    s
}

/// The JSON Schema of [`JsonReport`], as committed under `schemas/`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(JsonReport);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
