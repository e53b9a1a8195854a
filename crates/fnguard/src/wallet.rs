//! `fnguard wallet`: denial-of-wallet exposure per entry point, and trigger loops.

use crate::cli::{DepsFormat, WalletArgs};
use anyhow::Result;
use serde_json::json;
use std::fmt::Write as _;

pub fn run(args: WalletArgs) -> Result<u8> {
    let loaded = match crate::load::load(&args.load)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let cfg = loaded.cfg;
    let region = args.load.region.clone().or(cfg.region.clone());
    let limit = args
        .account_concurrency
        .or(cfg.account_concurrency)
        .unwrap_or(1000);
    let mut entries = Vec::new();
    let mut loops = Vec::new();
    let mut projects = 0;
    for loaded in &loaded.roots {
        for p in &loaded.projects {
            projects += 1;
            let g = fnguard_flow::build(p, &cfg.sensitive_words);
            for e in fnguard_flow::exposures(p, &g, limit, region.as_deref()) {
                entries.push((p.path.clone(), e));
            }
            for l in fnguard_flow::trigger_loops(p, &g) {
                loops.push((p.path.clone(), l));
            }
        }
    }
    if projects == 0 {
        eprintln!("fnguard: no serverless project found");
        return Ok(2);
    }
    entries.sort_by(|a, b| b.1.max_usd_per_hour.total_cmp(&a.1.max_usd_per_hour));
    let text = match args.format {
        DepsFormat::Json => {
            let doc = json!({
                "schema": "fnguard/v1",
                "tool": { "name": "fnguard", "version": env!("CARGO_PKG_VERSION") },
                "prices": fnguard_flow::prices(region.as_deref()),
                "account_concurrency": limit,
                "entry_points": entries.iter().map(|(p, e)| {
                    let mut v = serde_json::to_value(e).unwrap_or_default();
                    v["project"] = json!(p);
                    v
                }).collect::<Vec<_>>(),
                "loops": loops.iter().map(|(p, l)| json!({
                    "project": p,
                    "functions": l.functions,
                    "via": l.hops.iter().filter(|h| h.kind != "invoke").map(|h| h.to.clone()).collect::<Vec<_>>(),
                    "confidence": l.confidence,
                })).collect::<Vec<_>>(),
            });
            serde_json::to_string_pretty(&doc)? + "\n"
        }
        DepsFormat::Human => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{:<40} {:<34} {:>6} {:>9} {:>11}  limited by",
                "function", "entry point", "conc", "req/s", "max $/hour"
            );
            for (p, e) in &entries {
                let name = format!("{}{}", e.function, if e.public { " [PUBLIC]" } else { "" });
                let _ = writeln!(
                    out,
                    "{:<40} {:<34} {:>6} {:>9.1} {:>11.2}  {}",
                    name.chars().take(40).collect::<String>(),
                    e.trigger.chars().take(34).collect::<String>(),
                    e.max_concurrency,
                    e.max_requests_per_second,
                    e.max_usd_per_hour,
                    e.limited_by
                );
                let _ = writeln!(out, "    {p}");
                for line in &e.explanation {
                    let _ = writeln!(out, "    · {line}");
                }
            }
            for (p, l) in &loops {
                let _ = writeln!(out, "loop in {p}: {}", l.functions.join(" → "));
            }
            out
        }
    };
    crate::output::write_out(args.output.as_deref(), &text)?;
    Ok(0)
}
