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
    };
    crate::deps::write_out(args.output.as_deref(), &text)?;
    Ok(0)
}
