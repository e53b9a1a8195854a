//! What commands write: a file or standard output, and the HTML report page.

use crate::cli::{FailOn, OutputFormat, ReportArgs};
use anyhow::{Context, Result};
use fnguard_model::{Finding, Project, ScanError};
use fnguard_report::{HumanOptions, ProjectSummary, ScanReport};
use fnguard_scan::config;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// Source lines shown under findings, by (file, line).
pub type Snippets = HashMap<(String, u32), String>;

impl ReportArgs {
    /// `--fail-on`, or its default: none for SARIF (code scanning decides), high otherwise.
    pub fn fail_on(&self) -> FailOn {
        match (self.fail_on, self.format) {
            (Some(f), _) => f,
            (None, OutputFormat::Sarif) => FailOn::None,
            (None, _) => FailOn::High,
        }
    }
}

/// A scan's report in the format `args` ask for, written to their file or standard output:
/// every command that reports findings goes through here. JSON, SARIF and the human format
/// are written as they are rendered (a report of a hundred thousand findings never exists whole in
/// memory); the other formats are rendered, then written.
pub fn emit(
    args: &ReportArgs,
    projects: &[Project],
    errors: &[ScanError],
    findings: &[Finding],
    cfg: &config::Config,
    color: bool,
    snippets: &dyn Fn() -> Snippets,
) -> Result<()> {
    let summaries = summaries(projects);
    let report = ScanReport {
        tool_version: env!("CARGO_PKG_VERSION"),
        projects: &summaries,
        errors,
        findings,
    };
    let path = args.output.as_deref();
    let text = match args.format {
        OutputFormat::Human => {
            let snippets = snippets();
            let opts = HumanOptions {
                color,
                snippets: &snippets,
            };
            return stream(path, &mut |w| {
                fnguard_report::write_human(&report, &opts, w)
            });
        }
        OutputFormat::Json => {
            return stream(path, &mut |w| fnguard_report::write_json(&report, w));
        }
        OutputFormat::Html => html_page(projects, findings, &snippets(), cfg),
        OutputFormat::Sarif => {
            return stream(path, &mut |w| fnguard_report::write_sarif(&report, w));
        }
        OutputFormat::Junit => fnguard_report::render_junit(&report),
        OutputFormat::Markdown => fnguard_report::render_markdown(&report),
        OutputFormat::Github => fnguard_report::render_github(&report),
        OutputFormat::Gitlab => fnguard_report::render_gitlab(&report),
    };
    write_out(path, &text)
}

/// Runs `write` on the file at `path` or on standard output.
fn stream(
    path: Option<&Path>,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match path {
        Some(p) => {
            let file = std::fs::File::create(p)
                .with_context(|| format!("cannot write {}", p.display()))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            write(&mut out)
                .and_then(|()| out.flush())
                .with_context(|| format!("cannot write {}", p.display()))
        }
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = write(&mut out).and_then(|()| out.flush());
            Ok(())
        }
    }
}

fn summaries(projects: &[Project]) -> Vec<ProjectSummary> {
    projects
        .iter()
        .map(|p| ProjectSummary {
            path: p.path.clone(),
            format: p.format.as_str().to_string(),
            functions: p.functions.iter().map(|f| f.id.clone()).collect(),
        })
        .collect()
}

pub fn write_out(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Ok(())
        }
    }
}

/// Replaces `path` in one step (a temporary file in the same directory, renamed over it), so
/// a crash mid-write never leaves half a file; an existing file keeps its permissions.
pub fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(tmp.path(), meta.permissions())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    tmp.persist(path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// The HTML report of a scan: findings (with source excerpts), the graph and the wallet.
pub fn html_page(
    projects: &[fnguard_model::Project],
    findings: &[fnguard_model::Finding],
    snippets: &std::collections::HashMap<(String, u32), String>,
    cfg: &config::Config,
) -> String {
    let graphs: Vec<fnguard_flow::Graph> = projects
        .iter()
        .map(|p| fnguard_flow::build(p, &cfg.sensitive_words))
        .collect();
    page(&graphs, findings, snippets, projects, cfg)
}

pub(crate) fn page(
    graphs: &[fnguard_flow::Graph],
    findings: &[fnguard_model::Finding],
    snippets: &std::collections::HashMap<(String, u32), String>,
    projects: &[fnguard_model::Project],
    cfg: &config::Config,
) -> String {
    use serde_json::json;
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for (i, g) in graphs.iter().enumerate() {
        // Ids are per project; the page needs them unique across projects.
        let id = |s: &str| format!("{s}@{i}");
        for n in &g.nodes {
            let mut v = serde_json::to_value(n).unwrap_or_default();
            v["id"] = json!(id(&n.id));
            nodes.push(v);
        }
        for e in g.edges() {
            let mut v = serde_json::to_value(e).unwrap_or_default();
            v["from"] = json!(id(e.from));
            v["to"] = json!(id(e.to));
            v["kind"] = json!(e.kind.label());
            edges.push(v);
        }
    }
    // Findings are most of a large page: serialised from borrowed structs, not value trees.
    #[derive(serde::Serialize)]
    struct PageFinding<'a> {
        #[serde(flatten)]
        finding: &'a fnguard_model::Finding,
        #[serde(skip_serializing_if = "Option::is_none")]
        excerpt: Option<String>,
    }
    #[derive(serde::Serialize)]
    struct PageData<'a> {
        tool_version: &'static str,
        functions: usize,
        findings: Vec<PageFinding<'a>>,
        graph: serde_json::Value,
        wallet: Vec<serde_json::Value>,
    }
    let findings: Vec<PageFinding<'_>> = findings
        .iter()
        .map(|f| PageFinding {
            finding: f,
            excerpt: snippets
                .get(&(f.location.file.to_string(), f.location.line))
                .map(|s| format!("{:>5} | {s}", f.location.line)),
        })
        .collect();
    let mut wallet = Vec::new();
    for (p, g) in projects.iter().zip(graphs) {
        for e in fnguard_flow::exposures(
            p,
            g,
            cfg.account_concurrency.unwrap_or(1000),
            cfg.region.as_deref(),
        ) {
            wallet.push(serde_json::to_value(e).unwrap_or_default());
        }
    }
    let data = PageData {
        tool_version: env!("CARGO_PKG_VERSION"),
        functions: projects.iter().map(|p| p.functions.len()).sum::<usize>(),
        findings,
        graph: json!({ "nodes": nodes, "edges": edges }),
        wallet,
    };
    fnguard_report::render_html(&data)
}
