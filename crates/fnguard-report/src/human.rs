use crate::ScanReport;
use fnguard_model::{Finding, Level, Severity};
use std::collections::HashMap;
use std::fmt::Write;

pub struct HumanOptions<'a> {
    pub color: bool,
    /// Source text of the lines findings point at, keyed by (file, line).
    pub snippets: &'a HashMap<(String, u32), String>,
}

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "1;36",
            Severity::Info => "2",
        };
        self.wrap(code, &format!("{:<8}", s.as_str()))
    }
}

/// Items grouped by `key` in the order each key first appears, in linear time (a report can
/// hold a finding for each of 100,000 functions).
fn grouped<'a, K, T>(
    items: impl Iterator<Item = &'a T>,
    key: impl Fn(&'a T) -> K,
) -> Vec<(K, Vec<&'a T>)>
where
    K: Eq + std::hash::Hash + Copy,
    T: 'a,
{
    let mut index: std::collections::HashMap<K, usize> = std::collections::HashMap::new();
    let mut groups: Vec<(K, Vec<&'a T>)> = Vec::new();
    for item in items {
        let k = key(item);
        let at = *index.entry(k).or_insert_with(|| {
            groups.push((k, Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push(item);
    }
    groups
}

/// Text passed on to a writer in pieces of about 64 KiB: a report of a hundred thousand
/// findings (37 MB of text) never exists whole in memory. The first write error is kept and
/// returned at the end; nothing more is written after it.
struct Chunked<'w> {
    buf: String,
    w: &'w mut dyn std::io::Write,
    failed: Option<std::io::Error>,
}

impl Chunked<'_> {
    const PIECE: usize = 1 << 16;

    fn push(&mut self, c: char) {
        self.buf.push(c);
    }

    /// Passes the text on once there is a piece's worth of it.
    fn settle(&mut self) {
        if self.buf.len() >= Self::PIECE {
            self.pass_on();
        }
    }

    fn pass_on(&mut self) {
        if self.failed.is_none() {
            if let Err(e) = self.w.write_all(self.buf.as_bytes()) {
                self.failed = Some(e);
            }
        }
        self.buf.clear();
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.pass_on();
        match self.failed.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl std::fmt::Write for Chunked<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.buf.push_str(s);
        Ok(())
    }
}

/// [`write_human`] into a string.
pub fn render_human(report: &ScanReport<'_>, opts: &HumanOptions<'_>) -> String {
    let mut bytes = Vec::new();
    // Writing to a vector cannot fail.
    let _ = write_human(report, opts, &mut bytes);
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Findings grouped by project (descriptor file) and function, with the offending line,
/// written to `w` as they are rendered.
pub fn write_human(
    report: &ScanReport<'_>,
    opts: &HumanOptions<'_>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let p = Paint(opts.color);
    let mut out = Chunked {
        buf: String::with_capacity(Chunked::PIECE + 4096),
        w,
        failed: None,
    };
    // Joined risks come first: they are what a reader must see even if they read nothing else.
    let paths: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.is_attack_path())
        .collect();
    if !paths.is_empty() {
        let _ = writeln!(out, "{}", p.wrap("1", "Attack paths"));
        for f in &paths {
            write_finding(&mut out, &p, opts, f, "  ");
            for related in &f.related {
                let _ = writeln!(out, "    {} {related}", p.wrap("2", "via"));
            }
            out.settle();
        }
        out.push('\n');
    }
    let by_file = grouped(
        report.findings.iter().filter(|f| !f.is_attack_path()),
        |f| f.location.file.as_str(),
    );
    for (file, in_file) in by_file {
        let project = report.projects.iter().find(|pr| pr.path == file);
        let header = match project {
            Some(pr) => format!(
                "{file} ({}, {} function{})",
                pr.format,
                pr.functions.len(),
                if pr.functions.len() == 1 { "" } else { "s" }
            ),
            None => file.to_string(),
        };
        let _ = writeln!(out, "{}", p.wrap("1", &header));
        for (g, in_group) in grouped(in_file.into_iter(), |f| f.function.as_deref()) {
            match g {
                Some(func) => {
                    let _ = writeln!(out, "  {} {}", p.wrap("2", "function"), p.wrap("1", func));
                }
                None => {
                    let _ = writeln!(out, "  {}", p.wrap("2", "application"));
                }
            }
            for f in in_group {
                write_finding(&mut out, &p, opts, f, "    ");
                out.settle();
            }
        }
        out.push('\n');
    }
    let errors: Vec<_> = report.errors.iter().collect();
    if !errors.is_empty() {
        let _ = writeln!(out, "{}", p.wrap("1", "Input problems"));
        for e in errors {
            let tag = match e.level {
                Level::Error => p.wrap("1;31", "error  "),
                Level::Warning => p.wrap("1;33", "warning"),
            };
            let _ = writeln!(out, "  {tag} {e}");
        }
        out.push('\n');
    }
    // Like ruff: say how much `fnguard fix` would do.
    let fixable = |a: fnguard_model::Applicability| {
        report
            .findings
            .iter()
            .filter(|f| f.fixes.iter().any(|x| x.applicability == a))
            .count()
    };
    let (safe, unsafe_only) = (
        fixable(fnguard_model::Applicability::Safe),
        report
            .findings
            .iter()
            .filter(|f| {
                !f.fixes.is_empty()
                    && f.fixes
                        .iter()
                        .all(|x| x.applicability == fnguard_model::Applicability::Unsafe)
            })
            .count(),
    );
    if safe + unsafe_only > 0 {
        let _ = writeln!(
            out,
            "{safe} fixable with `fnguard fix` ({unsafe_only} more with `--unsafe-fixes`)"
        );
    }
    let counts = report.counts();
    let functions: usize = report.projects.iter().map(|p| p.functions.len()).sum();
    let _ = writeln!(
        out,
        "{} findings ({}) in {} projects, {} functions; {} input problems",
        report.findings.len(),
        Severity::ALL
            .iter()
            .map(|s| format!("{} {}", counts.get(s).copied().unwrap_or(0), s))
            .collect::<Vec<_>>()
            .join(", "),
        report.projects.len(),
        functions,
        report.errors.len()
    );
    out.finish()
}

fn write_finding(
    out: &mut Chunked<'_>,
    p: &Paint,
    opts: &HumanOptions<'_>,
    f: &Finding,
    indent: &str,
) {
    let _ = writeln!(
        out,
        "{indent}{} {} {}  {}",
        p.severity(f.severity),
        p.wrap("1", f.rule),
        f.name,
        p.wrap("2", &f.location.to_string())
    );
    let _ = writeln!(out, "{indent}  {}", f.message);
    if let Some(src) = opts
        .snippets
        .get(&(f.location.file.to_string(), f.location.line))
    {
        let _ = writeln!(
            out,
            "{indent}  {} {}",
            p.wrap("2", &format!("{:>4} |", f.location.line)),
            src.trim_end()
        );
    }
    if !f.remediation.is_empty() {
        let _ = writeln!(out, "{indent}  {} {}", p.wrap("32", "fix:"), f.remediation);
    }
    for x in &f.fixes {
        let how = match x.applicability {
            fnguard_model::Applicability::Safe => "fnguard fix",
            fnguard_model::Applicability::Unsafe => "fnguard fix --unsafe-fixes",
        };
        let _ = writeln!(
            out,
            "{indent}  {} {} ({how})",
            p.wrap("32", "autofix:"),
            x.title
        );
    }
}

#[cfg(test)]
mod grouping_tests {
    #[test]
    fn groups_keep_the_order_keys_first_appear_in() {
        let items = ["b1", "a1", "b2", "c1", "a2"];
        let groups = super::grouped(items.iter(), |s| &s[..1]);
        let shape: Vec<(&str, Vec<&str>)> = groups
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().copied().collect()))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("b", vec!["b1", "b2"]),
                ("a", vec!["a1", "a2"]),
                ("c", vec!["c1"])
            ]
        );
    }
}

#[cfg(test)]
mod writing_tests {
    use super::*;
    use crate::json::tests::{finding_with, one_project};

    /// Records each write, to see the text arrive in pieces; fails from the `fail_at`th on.
    struct Pieces {
        pieces: Vec<Vec<u8>>,
        fail_at: Option<usize>,
    }

    impl std::io::Write for Pieces {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.fail_at.is_some_and(|n| self.pieces.len() >= n) {
                return Err(std::io::Error::other("disk full"));
            }
            self.pieces.push(buf.to_vec());
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_large_report_is_written_in_pieces_that_make_the_whole_text() {
        let projects = one_project();
        let findings: Vec<Finding> = (0..2_000).map(finding_with).collect();
        let report = ScanReport {
            tool_version: "0.1.0",
            projects: &projects,
            errors: &[],
            findings: &findings,
        };
        let snippets = HashMap::from([(("template.yaml".to_string(), 4), "  Runtime: x".into())]);
        let opts = HumanOptions {
            color: false,
            snippets: &snippets,
        };
        let whole = render_human(&report, &opts);
        assert!(whole.len() > 4 * Chunked::PIECE, "{}", whole.len());
        assert!(whole.contains("   4 |   Runtime: x"));
        assert!(whole.ends_with("0 input problems\n"));
        let mut w = Pieces {
            pieces: Vec::new(),
            fail_at: None,
        };
        write_human(&report, &opts, &mut w).unwrap();
        assert!(w.pieces.len() > 4, "{} pieces", w.pieces.len());
        assert!(w.pieces.iter().all(|p| p.len() < 2 * Chunked::PIECE));
        assert_eq!(String::from_utf8(w.pieces.concat()).unwrap(), whole);

        let mut failing = Pieces {
            pieces: Vec::new(),
            fail_at: Some(2),
        };
        let err = write_human(&report, &opts, &mut failing).unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(
            failing.pieces.len(),
            2,
            "nothing is written after the error"
        );
    }
}
