//! `fnguard map`: the application graph of every project under PATH.

use crate::cli::{MapArgs, MapFormat};
use crate::config;
use crate::scan::load_root;
use anyhow::Result;
use fnguard_ingest::LoadOptions;
use std::path::{Path, PathBuf};

pub fn run(args: MapArgs) -> Result<u8> {
    let first = args
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let cfg_path = args.config.clone().or_else(|| config::find(&first));
    let cfg = match &cfg_path {
        Some(p) => config::load(p)?,
        None => config::Config::default(),
    };
    let mut params = cfg.params.clone();
    for p in &args.params {
        let Some((k, v)) = p.split_once('=') else {
            eprintln!("fnguard: --param takes KEY=VALUE, got `{p}`");
            return Ok(2);
        };
        params.push((k.to_string(), v.to_string()));
    }
    let options = LoadOptions {
        stage: args.stage.clone().or(cfg.stage.clone()),
        region: cfg.region.clone(),
        params,
        max_file_bytes: 0,
    };
    let mut graphs = Vec::new();
    let mut all_projects: Vec<fnguard_model::Project> = Vec::new();
    for path in &args.paths {
        if !path.exists() {
            eprintln!("fnguard: {} does not exist", path.display());
            return Ok(2);
        }
        let root = if path.is_file() {
            path.parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."))
        } else {
            path.clone()
        };
        let loaded = load_root(&root, path, &args.exclude, &options, args.no_progress, "");
        for e in &loaded.errors {
            eprintln!("fnguard: {e}");
        }
        for p in &loaded.projects {
            graphs.push(fnguard_flow::build(p, &cfg.sensitive_words));
        }
        all_projects.extend(loaded.projects);
    }
    if graphs.is_empty() {
        eprintln!("fnguard: no serverless project found");
        return Ok(2);
    }
    let text = match args.format {
        MapFormat::Human => fnguard_flow::human(&graphs),
        MapFormat::Json => serde_json::to_string_pretty(&fnguard_flow::json(&graphs))? + "\n",
        MapFormat::Dot => fnguard_flow::dot(&graphs),
        MapFormat::Mermaid => fnguard_flow::mermaid(&graphs),
        MapFormat::Html => page(&graphs, &[], &Default::default(), &all_projects, &cfg),
    };
    crate::deps::write_out(args.output.as_deref(), &text)?;
    Ok(0)
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

fn page(
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
