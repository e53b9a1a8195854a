//! `fnguard map`: the application graph of every project under PATH.

use crate::cli::{MapArgs, MapFormat};
use crate::output::page;
use anyhow::Result;

pub fn run(args: MapArgs) -> Result<u8> {
    let loaded = match crate::load::load(&args.load)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let cfg = loaded.cfg;
    let mut graphs = Vec::new();
    let mut all_projects: Vec<fnguard_model::Project> = Vec::new();
    for root in loaded.roots {
        for e in &root.errors {
            eprintln!("fnguard: {e}");
        }
        for p in &root.projects {
            graphs.push(fnguard_flow::build(p, &cfg.sensitive_words));
        }
        all_projects.extend(root.projects);
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
    crate::output::write_out(args.output.as_deref(), &text)?;
    Ok(0)
}
