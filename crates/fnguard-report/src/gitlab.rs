use crate::ScanReport;
use fnguard_model::Severity;
use serde_json::json;

/// GitLab Code Quality report (`artifacts: reports: codequality`): an array of issues, each
/// with a description, check name, fingerprint, severity and the file and line to edit.
/// GitLab reads `location.path` relative to the repository root: scan from there.
pub fn render_gitlab(report: &ScanReport<'_>) -> String {
    let issues: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            let severity = match f.severity {
                Severity::Critical => "blocker",
                Severity::High => "critical",
                Severity::Medium => "major",
                Severity::Low => "minor",
                Severity::Info => "info",
            };
            let description = if f.remediation.is_empty() {
                f.message.clone()
            } else {
                format!("{} Fix: {}", f.message, f.remediation)
            };
            json!({
                "type": "issue",
                "description": description,
                "check_name": format!("{} {}", f.rule, f.name),
                "categories": ["Security"],
                "fingerprint": f.fingerprint,
                "severity": severity,
                "location": {
                    "path": f.location.file,
                    "lines": { "begin": f.location.line.max(1) },
                },
            })
        })
        .collect();
    serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".to_string()) + "\n"
}
