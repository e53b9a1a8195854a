use crate::ScanReport;
use fnguard_model::{Level, Severity};
use std::fmt::Write;

/// GitHub Actions workflow commands: one annotation per finding (`::error`, `::warning` or
/// `::notice` by severity) on the line to edit, and one per input problem, so that findings
/// appear on the pull request's diff without uploading SARIF.
pub fn render_github(report: &ScanReport<'_>) -> String {
    let mut out = String::new();
    for f in report.findings {
        let command = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        let mut message = f.message.clone();
        if !f.remediation.is_empty() {
            message.push_str("\nFix: ");
            message.push_str(&f.remediation);
        }
        let _ = write!(out, "::{command} file={}", property(&f.location.file));
        if f.location.line > 0 {
            let _ = write!(out, ",line={}", f.location.line);
            if f.location.column > 0 {
                let _ = write!(out, ",col={}", f.location.column);
            }
        }
        let _ = writeln!(
            out,
            ",title={}::{}",
            property(&format!("{} {} ({})", f.rule, f.name, f.severity.as_str())),
            data(&message)
        );
    }
    for e in report.errors {
        let command = if e.level == Level::Error {
            "error"
        } else {
            "warning"
        };
        let _ = write!(out, "::{command} file={}", property(&e.file));
        if let Some(line) = e.line {
            let _ = write!(out, ",line={line}");
        }
        let _ = writeln!(out, ",title=fnguard input problem::{}", data(&e.message));
    }
    let counts = report.counts();
    let _ = writeln!(
        out,
        "fnguard: {} findings ({} critical, {} high, {} medium, {} low, {} info) in {} projects",
        report.findings.len(),
        counts[&Severity::Critical],
        counts[&Severity::High],
        counts[&Severity::Medium],
        counts[&Severity::Low],
        counts[&Severity::Info],
        report.projects.len()
    );
    out
}

/// A workflow command's message: `%`, CR and LF are escaped (the runner unescapes them).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: `:` and `,` too, since they delimit properties.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}
