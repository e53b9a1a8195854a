//! What commands write: a file or standard output, and the HTML report page.

use crate::config;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

pub fn write_out(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Ok(())
        }
    }
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
        for e in &g.edges {
            let mut v = serde_json::to_value(e).unwrap_or_default();
            v["from"] = json!(id(&e.from));
            v["to"] = json!(id(&e.to));
            v["kind"] = json!(e.kind.label());
            edges.push(v);
        }
    }
    let findings: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let mut v = serde_json::to_value(f).unwrap_or_default();
            if let Some(s) = snippets.get(&(f.location.file.clone(), f.location.line)) {
                v["excerpt"] = json!(format!("{:>5} | {s}", f.location.line));
            }
            v
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
    let data = json!({
        "tool_version": env!("CARGO_PKG_VERSION"),
        "functions": projects.iter().map(|p| p.functions.len()).sum::<usize>(),
        "findings": findings,
        "graph": { "nodes": nodes, "edges": edges },
        "wallet": wallet,
    });
    fnguard_report::render_html(&data)
}
