use crate::{escape_xml, ScanReport};
use fnguard_model::Level;
use std::fmt::Write;

/// One test suite per project; every finding is a failed test case, every parse error an
/// errored one, and a project without findings passes one case.
pub fn render_junit(report: &ScanReport<'_>) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let errors = report
        .errors
        .iter()
        .filter(|e| e.level == Level::Error)
        .count();
    let _ = writeln!(
        out,
        "<testsuites name=\"fnguard\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        report.findings.len().max(1) + errors,
        report.findings.len(),
        errors
    );
    let mut paths: Vec<&str> = report.projects.iter().map(|p| p.path.as_str()).collect();
    for f in report.findings {
        if !paths.contains(&f.location.file.as_str()) {
            paths.push(&f.location.file);
        }
    }
    for path in paths {
        let findings: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.location.file == path)
            .collect();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">",
            escape_xml(path),
            findings.len().max(1),
            findings.len()
        );
        if findings.is_empty() {
            let _ = writeln!(
                out,
                "    <testcase classname=\"fnguard\" name=\"{}\"/>",
                escape_xml(path)
            );
        }
        for f in findings {
            let name = format!(
                "{} {} {}",
                f.rule,
                f.function
                    .as_deref()
                    .or(f.resource.as_deref())
                    .unwrap_or(""),
                f.location
            );
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\">",
                escape_xml(f.rule),
                escape_xml(name.trim()),
                escape_xml(&f.location.file),
                f.location.line
            );
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}\nFix: {}</failure>",
                f.severity,
                escape_xml(&f.message),
                escape_xml(&format!("{} [{}] {}", f.location, f.name, f.message)),
                escape_xml(&f.remediation)
            );
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    if errors > 0 {
        let _ = writeln!(
            out,
            "  <testsuite name=\"fnguard input\" tests=\"{errors}\" errors=\"{errors}\">"
        );
        for e in report.errors.iter().filter(|e| e.level == Level::Error) {
            let _ = writeln!(
                out,
                "    <testcase classname=\"fnguard.input\" name=\"{}\"><error message=\"{}\"/></testcase>",
                escape_xml(&e.file),
                escape_xml(&e.to_string())
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
