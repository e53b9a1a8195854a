use crate::ScanReport;
use fnguard_model::Severity;
use std::fmt::Write;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A summary for pull-request comments and job summaries.
pub fn render_markdown(report: &ScanReport<'_>) -> String {
    let mut out = String::from("## fnguard\n\n");
    let counts = report.counts();
    let _ = writeln!(
        out,
        "{} findings in {} projects: {}\n",
        report.findings.len(),
        report.projects.len(),
        Severity::ALL
            .iter()
            .map(|s| format!("{} {}", counts.get(s).copied().unwrap_or(0), s))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !report.findings.is_empty() {
        out.push_str("| severity | rule | location | function | finding | fix |\n|---|---|---|---|---|---|\n");
        let mut sorted: Vec<_> = report.findings.iter().collect();
        sorted.sort_by_key(|f| (!f.is_attack_path(), std::cmp::Reverse(f.severity)));
        for f in sorted {
            let _ = writeln!(
                out,
                "| {} | {} `{}` | `{}` | {} | {} | {} |",
                f.severity,
                f.rule,
                f.name,
                f.location,
                f.function
                    .as_deref()
                    .map(|s| format!("`{s}`"))
                    .unwrap_or_default(),
                cell(&f.message),
                cell(&f.remediation)
            );
        }
        out.push('\n');
    }
    if !report.errors.is_empty() {
        out.push_str("### Input problems\n\n");
        for e in report.errors {
            let _ = writeln!(out, "- `{}`", cell(&e.to_string()));
        }
    }
    out
}
